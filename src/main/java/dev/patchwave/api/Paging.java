package dev.patchwave.api;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Cursor paging of a listing sorted by name: {@code ?limit=} items after the name {@code ?after=};
 * when more follow, a {@code Link: <...?after=last>; rel="next"} header says where. The answer
 * stays a JSON array, so a client that reads one page of a small fleet needs no change.
 */
final class Paging {
  private Paging() {}

  static final int DEFAULT_LIMIT = 1000;
  static final int MAX_LIMIT = 10_000;

  /** The page size asked for, checked. */
  static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int v = Integer.parseInt(text);
      if (v >= 1 && v <= MAX_LIMIT) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new BadRequestException("limit must be a whole number from 1 to " + MAX_LIMIT);
  }

  /**
   * One page of {@code sorted} (by {@code name}, ascending): the items after {@code after}, at most
   * {@code limit}, as a 200 with the next link when more follow.
   */
  static <T> Response page(
      Stream<T> sorted, Function<T, String> name, String after, int limit, UriInfo uri) {
    List<T> items =
        sorted
            .filter(t -> after == null || name.apply(t).compareTo(after) > 0)
            .limit(limit + 1L)
            .toList();
    boolean more = items.size() > limit;
    List<T> page = more ? items.subList(0, limit) : items;
    Response.ResponseBuilder r = Response.ok(page);
    if (more) {
      String next =
          uri.getRequestUriBuilder()
              .replaceQueryParam("after", name.apply(page.get(page.size() - 1)))
              .build()
              .toString();
      r.header("Link", "<" + next + ">; rel=\"next\"");
    }
    return r.build();
  }
}
