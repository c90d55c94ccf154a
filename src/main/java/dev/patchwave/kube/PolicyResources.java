package dev.patchwave.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Policies as Kubernetes resources ({@code RolloutPolicy}, {@code patchwave.dev/v1},
 * deploy/base/crd-rolloutpolicy.yaml): an informer watches one namespace; each resource's {@code
 * spec} becomes the policy of the same name through {@link PolicyTarget} (the same validation,
 * guardrails and two-person rule as the API), and its {@code status} says what became of it: the
 * located problems of an invalid one (also a Warning Event; never applied), the revision waiting
 * for an approver, or the revision in force, the last rollout and its phase, and the updates
 * pending. A deleted resource removes the policy it owns.
 *
 * <p>One thread does all the work, in order. Only the leader writes (the policy store, statuses,
 * Events); every {@code resync} it reconciles every resource again, so that a new leader, a missed
 * event or a rollout's progress reach the statuses.
 */
public final class PolicyResources implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(PolicyResources.class);

  public static final ResourceDefinitionContext CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup("patchwave.dev")
          .withVersion("v1")
          .withKind("RolloutPolicy")
          .withPlural("rolloutpolicies")
          .withNamespaced(true)
          .build();

  /**
   * The policy text as a person writes it: quotes only where YAML needs them (a string that reads
   * as a number, a boolean or null keeps its quotes, so that it stays a string).
   */
  private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
      new com.fasterxml.jackson.databind.ObjectMapper(
          com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
              .disable(
                  com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature
                      .WRITE_DOC_START_MARKER)
              .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(
                  com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature
                      .ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
              .build());

  private final KubernetesClient client;
  private final String namespace;
  private final PolicyTarget target;
  private final BooleanSupplier leading;
  private final Clock clock;
  private final ScheduledExecutorService worker;
  private final SharedIndexInformer<GenericKubernetesResource> informer;

  private PolicyResources(
      KubernetesClient client,
      String namespace,
      PolicyTarget target,
      BooleanSupplier leading,
      Clock clock,
      Duration resync) {
    this.client = client;
    this.namespace = namespace;
    this.target = target;
    this.leading = leading;
    this.clock = clock;
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "patchwave-policy-resources");
              t.setDaemon(true);
              return t;
            });
    this.informer =
        client
            .genericKubernetesResources(CONTEXT)
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(GenericKubernetesResource r) {
                    worker.execute(() -> reconcile(r));
                  }

                  @Override
                  public void onUpdate(
                      GenericKubernetesResource before, GenericKubernetesResource after) {
                    // a status written by us changes the resourceVersion, not the generation
                    if (!Objects.equals(
                        before.getMetadata().getGeneration(),
                        after.getMetadata().getGeneration())) {
                      worker.execute(() -> reconcile(after));
                    }
                  }

                  @Override
                  public void onDelete(GenericKubernetesResource r, boolean unknownFinalState) {
                    worker.execute(() -> removed(r.getMetadata().getName()));
                  }
                });
    worker.scheduleWithFixedDelay(
        this::reconcileAll, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts watching {@code namespace}. */
  public static PolicyResources start(
      KubernetesClient client,
      String namespace,
      PolicyTarget target,
      BooleanSupplier leading,
      Clock clock,
      Duration resync) {
    LOG.infof("policies: watching RolloutPolicy resources in namespace %s", namespace);
    return new PolicyResources(client, namespace, target, leading, clock, resync);
  }

  public boolean hasSynced() {
    return informer.hasSynced();
  }

  /** Every resource again, and policies whose resource is gone; only the leader. */
  void reconcileAll() {
    try {
      if (!leading.getAsBoolean()) {
        return;
      }
      List<GenericKubernetesResource> all = informer.getStore().list();
      all.forEach(this::reconcile);
      if (informer.hasSynced()) {
        Set<String> present =
            all.stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
        target.owned(namespace).stream()
            .filter(name -> !present.contains(name))
            .forEach(this::removed);
      }
    } catch (RuntimeException e) {
      LOG.warnf(e, "policies: reconciling the RolloutPolicy resources failed; trying again later");
    }
  }

  private void reconcile(GenericKubernetesResource r) {
    if (!leading.getAsBoolean()) {
      return;
    }
    String name = r.getMetadata().getName();
    String owner = namespace + "/" + name;
    try {
      PolicyTarget.Outcome outcome = target.apply(name, document(r), owner);
      Map<String, Object> status = status(r, outcome);
      if (!normalized(status).equals(withoutTime(currentStatus(r)))) {
        writeStatus(name, status);
        if (outcome instanceof PolicyTarget.Outcome.Invalid
            || outcome instanceof PolicyTarget.Outcome.Refused) {
          event(r, "Warning", "Invalid", (String) status.get("message"));
        } else if (outcome instanceof PolicyTarget.Outcome.Pending) {
          event(r, "Normal", "AwaitingApproval", (String) status.get("message"));
        } else if (outcome instanceof PolicyTarget.Outcome.Applied a && a.changed()) {
          event(r, "Normal", "Applied", (String) status.get("message"));
        }
      }
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "policies: %s: cannot write its status (%s); trying again later", owner, e.getMessage());
    } catch (RuntimeException e) {
      LOG.errorf(e, "policies: %s: not reconciled; trying again later", owner);
    }
  }

  private void removed(String name) {
    if (!leading.getAsBoolean()) {
      return;
    }
    if (target.remove(name, namespace + "/" + name)) {
      LOG.infof("policies: %s/%s was deleted; so is policy %s", namespace, name, name);
    }
  }

  /**
   * The policy document a resource holds: its name, labels and {@code spec}; nothing else of its
   * metadata (uid, resourceVersion, managed fields) reaches the policy.
   */
  String document(GenericKubernetesResource r) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", r.getMetadata().getName());
    if (r.getMetadata().getLabels() != null && !r.getMetadata().getLabels().isEmpty()) {
      metadata.put("labels", r.getMetadata().getLabels());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", "patchwave.dev/v1");
    doc.put("kind", "RolloutPolicy");
    doc.put("metadata", metadata);
    doc.put("spec", r.getAdditionalProperties().get("spec"));
    try {
      return YAML.writeValueAsString(doc);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a resource's spec that cannot be written as YAML", e);
    }
  }

  private Map<String, Object> status(GenericKubernetesResource r, PolicyTarget.Outcome outcome) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("observedGeneration", r.getMetadata().getGeneration());
    if (outcome instanceof PolicyTarget.Outcome.Applied a) {
      s.put("phase", "Applied");
      s.put("accepted", true);
      s.put("message", "in force as revision " + a.revision());
    } else if (outcome instanceof PolicyTarget.Outcome.Pending p) {
      s.put("phase", "AwaitingApproval");
      s.put("accepted", true);
      s.put("pendingRevision", p.revisionId());
      s.put(
          "message",
          "revision "
              + p.revisionId()
              + " loosens safety and waits for an approver ("
              + String.join("; ", p.loosens())
              + ")");
    } else if (outcome instanceof PolicyTarget.Outcome.Invalid i) {
      s.put("phase", "Invalid");
      s.put("accepted", false);
      List<Map<String, Object>> problems = new ArrayList<>();
      for (var p : i.problems()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", p.path());
        m.put("message", p.message());
        problems.add(m);
      }
      s.put("problems", problems);
      s.put(
          "message",
          i.problems().size()
              + (i.problems().size() == 1 ? " problem" : " problems")
              + ", not applied: "
              + i.problems().stream()
                  .map(p -> p.path() + ": " + p.message())
                  .collect(Collectors.joining("; ")));
    } else if (outcome instanceof PolicyTarget.Outcome.Refused f) {
      s.put("phase", "Refused");
      s.put("accepted", false);
      s.put("message", f.reason());
    }
    target
        .progress(r.getMetadata().getName())
        .ifPresent(
            p -> {
              s.put("revision", p.revision());
              p.lastRollout()
                  .ifPresent(
                      id -> {
                        Map<String, Object> last = new LinkedHashMap<>();
                        last.put("id", id);
                        p.lastRolloutPhase().ifPresent(ph -> last.put("phase", ph));
                        p.lastRolloutStartedAt()
                            .ifPresent(t -> last.put("startedAt", t.toString()));
                        s.put("lastRollout", last);
                      });
              s.put("pendingUpdates", p.pendingUpdates());
            });
    return s;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> currentStatus(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The status as compared: without the time it was written, nulls or numbers' types. */
  private static Map<String, Object> withoutTime(Map<String, Object> status) {
    Map<String, Object> copy = new LinkedHashMap<>(normalized(status));
    copy.remove("updatedAt");
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> normalized(Map<String, Object> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach(
        (k, v) -> {
          // a merge patch's null removes the key (a lenient server may keep it as null)
          if (v != null) {
            out.put(k, normalizedValue(v));
          }
        });
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object normalizedValue(Object v) {
    if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
      return n.longValue();
    }
    if (v instanceof Map<?, ?> m) {
      return normalized((Map<String, Object>) m);
    }
    if (v instanceof List<?> l) {
      return l.stream().map(PolicyResources::normalizedValue).toList();
    }
    return v;
  }

  private void writeStatus(String name, Map<String, Object> status) {
    Map<String, Object> written = new LinkedHashMap<>(status);
    written.put("updatedAt", clock.instant().toString());
    // a merge patch replaces the whole status (null for what it no longer has)
    Map<String, Object> patch = new LinkedHashMap<>();
    Map<String, Object> statusPatch = new LinkedHashMap<>();
    for (String key :
        List.of("problems", "pendingRevision", "lastRollout", "revision", "pendingUpdates")) {
      statusPatch.put(key, null);
    }
    statusPatch.putAll(written);
    patch.put("status", statusPatch);
    client
        .genericKubernetesResources(CONTEXT)
        .inNamespace(namespace)
        .withName(name)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client.getKubernetesSerialization().asJson(patch));
  }

  private void event(GenericKubernetesResource r, String type, String reason, String message) {
    Instant now = clock.instant();
    String name = r.getMetadata().getName();
    try {
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withName(name + "." + Long.toHexString(now.toEpochMilli()))
                  .withNamespace(namespace)
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion("patchwave.dev/v1")
                          .withKind("RolloutPolicy")
                          .withNamespace(namespace)
                          .withName(name)
                          .withUid(r.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                  .withFirstTimestamp(now.toString())
                  .withLastTimestamp(now.toString())
                  .withCount(1)
                  .withNewSource()
                  .withComponent("patchwave")
                  .endSource()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warnf("policies: %s/%s: cannot record an Event (%s)", namespace, name, e.getMessage());
    }
  }

  @Override
  public void close() {
    informer.close();
    worker.shutdownNow();
  }
}
