package dev.patchwave.app;

import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.arjuna.utils.UuidProcessId;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The transaction manager (Narayana) tells its processes apart by default with a server socket it
 * binds on a random loopback port and never answers ({@code SocketProcessId}): a listener nobody
 * uses, which a port scan of the pod finds. A random UUID does the same job without a socket. Set
 * before the first transaction begins (the scheduler's start, a start-up observer too).
 */
@ApplicationScoped
public class NarayanaProcessId {

  void beforeAnyTransaction(@Observes @Priority(Integer.MIN_VALUE) StartupEvent event) {
    arjPropertyManager
        .getCoreEnvironmentBean()
        .setProcessImplementationClassName(UuidProcessId.class.getName());
  }
}
