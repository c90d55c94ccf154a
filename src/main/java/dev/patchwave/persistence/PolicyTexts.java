package dev.patchwave.persistence;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Policy texts that rollouts run, each stored once (keyed by its SHA-256) however many rollouts
 * refer to it, and parsed once per controller: a text never changes, so its parse is cached for as
 * long as it is used.
 */
@ApplicationScoped
public class PolicyTexts {

  private static final int CACHED = 256;

  private final EntityManager em;

  private final Map<Long, RolloutPolicy> parsed =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, RolloutPolicy> eldest) {
          return size() > CACHED;
        }
      };

  public PolicyTexts(EntityManager em) {
    this.em = em;
  }

  /**
   * The id of {@code source}'s row, stored now if it is new. In a transaction of its own, so that
   * two starts storing the same text at once do not fail each other's rollout: the loser of the
   * insert finds the winner's row.
   */
  @Transactional(Transactional.TxType.REQUIRES_NEW)
  public long idOf(String source) {
    String digest = digest(source);
    List<?> found = find(digest);
    if (!found.isEmpty()) {
      return ((Number) found.get(0)).longValue();
    }
    em.createNativeQuery("INSERT INTO policy_text (digest, source) VALUES (:digest, :source)")
        .setParameter("digest", digest)
        .setParameter("source", source)
        .executeUpdate();
    return ((Number) find(digest).get(0)).longValue();
  }

  private List<?> find(String digest) {
    return em.createNativeQuery("SELECT id FROM policy_text WHERE digest = :digest")
        .setParameter("digest", digest)
        .getResultList();
  }

  /** The text of row {@code id}. */
  @Transactional
  public String source(long id) {
    return (String)
        em.createNativeQuery("SELECT source FROM policy_text WHERE id = :id")
            .setParameter("id", id)
            .getSingleResult();
  }

  /** The policy of row {@code id}, parsed once. */
  public RolloutPolicy policy(long id) throws DocumentException {
    synchronized (parsed) {
      RolloutPolicy p = parsed.get(id);
      if (p != null) {
        return p;
      }
    }
    RolloutPolicy p = PolicyReader.read(source(id));
    synchronized (parsed) {
      parsed.put(id, p);
    }
    return p;
  }

  static String digest(String source) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }
}
