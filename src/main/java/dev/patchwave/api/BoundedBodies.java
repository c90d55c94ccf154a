package dev.patchwave.api;

import dev.patchwave.api.ProblemDetail.Type;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Counts every request body as it is read, whether or not it declared a length (a chunked body does
 * not): past {@code patchwave.api.max-body-size} the request is refused with a problem+json 413 and
 * one WARN line. The HTTP layer's own limit ({@code quarkus.http.limits.max-body-size}) sits above
 * this one, so that its bare 413 and stack trace are never what a caller meets.
 */
public class BoundedBodies {
  private static final Logger LOG = Logger.getLogger(BoundedBodies.class);

  @ConfigProperty(name = "patchwave.api.max-body-size")
  io.quarkus.runtime.configuration.MemorySize limit;

  /** The body went over the limit while it was read. */
  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("the body may be at most " + limit + " bytes");
    }
  }

  @ServerRequestFilter
  public void bound(ContainerRequestContext request) {
    if (request.hasEntity()) {
      request.setEntityStream(new Counted(request.getEntityStream(), limit.asLongValue()));
    }
  }

  @ServerExceptionMapper
  public Response tooLarge(TooLarge e) {
    LOG.warnf("refused a request body: %s", e.getMessage());
    return Response.fromResponse(ProblemDetail.response(Type.PAYLOAD_TOO_LARGE, e.getMessage()))
        .header("Connection", "close")
        .build();
  }

  private static final class Counted extends FilterInputStream {
    private final long limit;
    private long read;

    Counted(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws TooLarge {
      read += n;
      if (read > limit) {
        throw new TooLarge(limit);
      }
    }
  }
}
