package dev.patchwave.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.List;

/** The database's record of the nodes Patchwave cordoned (the node's annotation is the other). */
@ApplicationScoped
public class NodeCordonStore {

  private final Clock clock;

  public NodeCordonStore(Clock clock) {
    this.clock = clock;
  }

  @Transactional
  public void cordoned(String node, long rolloutId) {
    NodeCordonRecord r = new NodeCordonRecord();
    r.node = node;
    r.rolloutId = rolloutId;
    r.cordonedAt = RolloutStore.odt(clock.instant());
    r.persist();
  }

  @Transactional
  public void uncordoned(String node, long rolloutId) {
    NodeCordonRecord.<NodeCordonRecord>list("node = ?1 and releasedAt is null", node)
        .forEach(r -> r.releasedAt = RolloutStore.odt(clock.instant()));
  }

  /** Nodes still cordoned by Patchwave. */
  @Transactional
  public List<NodeCordonRecord> held() {
    return NodeCordonRecord.list("releasedAt is null");
  }
}
