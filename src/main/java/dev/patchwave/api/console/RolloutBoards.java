package dev.patchwave.api.console;

import dev.patchwave.api.RolloutResource;
import dev.patchwave.api.RolloutView;
import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.HostSource;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A rollout as the console draws it: the API's summary ({@link RolloutView}), each wave as a column
 * of host cells coloured by phase, and the actions its phase allows, each with the sentence its
 * confirmation shows. Read from the same store the API reads; nothing here changes anything.
 */
@ApplicationScoped
public class RolloutBoards {

  /** Host cells drawn per rollout; past that the columns say how many more (the API pages them). */
  static final int MAX_CELLS = 2000;

  /** Groups named in a confirmation, at most. */
  private static final int MAX_GROUPS = 8;

  private final RolloutStore store;
  private final HostSource inventory;

  public RolloutBoards(RolloutStore store, HostSource inventory) {
    this.store = store;
    this.inventory = inventory;
  }

  public record Board(
      RolloutView rollout,
      String phaseText,
      boolean terminal,
      List<Column> columns,
      int undrawn,
      Actions actions) {}

  /**
   * @param current the wave the rollout is at
   */
  public record Column(RolloutView.WaveView wave, boolean current, List<Cell> cells) {}

  /** One host: its phase (its colour) and, as its title, what it is doing or why it stopped. */
  public record Cell(String host, String phase, String title) {}

  /**
   * What the rollout's phase allows, with the confirmation of each (the caller's roles decide which
   * are offered). {@code approve} is null unless a wave waits for approval.
   */
  public record Actions(
      boolean pause, boolean resume, boolean abort, Approval approve, String abortConfirm) {}

  /** The wave waiting for approval and what approving it sets going. */
  public record Approval(int wave, String confirm) {}

  public Optional<Board> board(long id) {
    return store.summary(id).map(this::board);
  }

  /** The timeline's lines: the API's own view of each event. */
  public List<RolloutResource.EventView> events(long id, long afterId, int limit) {
    return store.events(id, afterId, limit).stream().map(RolloutResource.EventView::of).toList();
  }

  private Board board(RolloutStore.Summary summary) {
    RolloutState s = summary.state();
    RolloutView view = RolloutView.of(summary);
    List<RolloutStore.ListedHost> listed =
        store.hosts(
            s.id(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            MAX_CELLS);
    int total = view.hosts().getOrDefault("total", 0);
    List<Column> columns = new ArrayList<>();
    for (RolloutView.WaveView w : view.waves()) {
      List<Cell> cells =
          listed.stream()
              .filter(h -> h.wave() == w.index())
              .map(
                  h ->
                      new Cell(
                          h.state().name(),
                          h.state().phase().name(),
                          h.state().phase().name()
                              + " · "
                              + h.state().reason().name()
                              + (h.state().detail().isEmpty() ? "" : ": " + h.state().detail())))
              .toList();
      columns.add(new Column(w, w.index() == s.wave() && !s.phase().isTerminal(), cells));
    }
    int drawn = columns.stream().mapToInt(c -> c.cells().size()).sum();
    return new Board(
        view,
        s.phase().text,
        s.phase().isTerminal(),
        columns,
        Math.max(0, total - drawn),
        actions(s, view, listed));
  }

  private Actions actions(RolloutState s, RolloutView view, List<RolloutStore.ListedHost> listed) {
    RolloutPhase p = s.phase();
    boolean open = !p.isTerminal();
    Approval approval = null;
    if (p == RolloutPhase.AWAITING_APPROVAL && s.wave() < view.waves().size()) {
      approval = new Approval(s.wave(), approveConfirm(s, view.waves().get(s.wave()), listed));
    }
    return new Actions(
        open && p != RolloutPhase.PAUSED,
        p == RolloutPhase.PAUSED,
        open,
        approval,
        "Abort rollout "
            + s.id()
            + " of "
            + s.policy().name()
            + "? Nothing more is touched; hosts in a step are cut short and every host is released."
            + " This cannot be undone.");
  }

  /** "Approve wave 2 (all) of rollout 7: 12 hosts, groups kafka-cluster=a, ..." */
  private String approveConfirm(
      RolloutState s, RolloutView.WaveView wave, List<RolloutStore.ListedHost> listed) {
    List<String> groupBy = s.policy().spec().disruption().groupBy();
    Map<String, Host> byName =
        inventory.hosts().stream().collect(Collectors.toMap(Host::name, Function.identity()));
    TreeSet<String> groups = new TreeSet<>();
    listed.stream()
        .filter(h -> h.wave() == wave.index())
        .map(h -> byName.get(h.state().name()))
        .filter(java.util.Objects::nonNull)
        .forEach(h -> groups.addAll(h.groups(groupBy)));
    String named =
        groups.isEmpty()
            ? ""
            : ", groups "
                + groups.stream().limit(MAX_GROUPS).collect(Collectors.joining(", "))
                + (groups.size() > MAX_GROUPS
                    ? " and " + (groups.size() - MAX_GROUPS) + " more"
                    : "");
    return "Approve wave "
        + (wave.index() + 1)
        + " ("
        + wave.name()
        + ") of rollout "
        + s.id()
        + " ("
        + s.policy().name()
        + "): "
        + wave.size()
        + (wave.size() == 1 ? " host" : " hosts")
        + named
        + "?";
  }
}
