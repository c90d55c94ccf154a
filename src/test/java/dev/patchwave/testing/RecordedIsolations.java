package dev.patchwave.testing;

import dev.patchwave.engine.IsolationListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every isolation end the controller under test told its listeners of, in order. */
@ApplicationScoped
public class RecordedIsolations implements IsolationListener {

  /** One end as told. */
  public record Ended(long isolation, String phase, String detail, List<String> kept) {}

  public static final List<Ended> ENDED = new CopyOnWriteArrayList<>();

  @Override
  public void ended(
      long isolation,
      long incident,
      String policy,
      String host,
      String phase,
      String detail,
      List<String> kept) {
    ENDED.add(new Ended(isolation, phase, detail, List.copyOf(kept)));
  }
}
