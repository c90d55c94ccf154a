package dev.patchwave.api.console;

import dev.patchwave.api.AuditResource;
import dev.patchwave.api.CsrfGuard;
import dev.patchwave.api.FleetResource;
import dev.patchwave.api.HostResource;
import dev.patchwave.api.PlanView;
import dev.patchwave.api.PolicyResource;
import dev.patchwave.api.ProblemDetail;
import dev.patchwave.api.QuarantineResource;
import dev.patchwave.api.RolloutResource;
import dev.patchwave.patch.PendingUpdate;
import dev.patchwave.security.Roles;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The web console's pages (docs/console.md): HTML drawn on the server from the API's own reads and
 * views (each call below goes through the API resource, its role check and its validation), and
 * buttons that call the REST API itself from the browser, so that the console has no second way to
 * change anything. A button is drawn only for a caller whose role may use it; the API checks again.
 */
@Path("/console")
@RolesAllowed({Roles.VIEWER, Roles.OPERATOR, Roles.APPROVER})
@Produces(MediaType.TEXT_HTML)
public class ConsolePages {

  /** Rows of the fleet page and of the audit page per page. */
  static final String PAGE = "100";

  /** How often an open rollout page's stream looks for new events (on the server). */
  static final Duration STREAM_POLL = Duration.ofSeconds(1);

  /** A comment line this often keeps proxies from closing a quiet stream. */
  static final int KEEP_ALIVE_TICKS = 15;

  private final SecurityIdentity identity;
  private final RolloutResource rollouts;
  private final PolicyResource policies;
  private final HostResource hosts;
  private final FleetResource fleet;
  private final QuarantineResource quarantine;
  private final AuditResource audit;
  private final RolloutBoards boards;
  private final dev.patchwave.api.SimulationsResource simulations;

  public ConsolePages(
      SecurityIdentity identity,
      RolloutResource rollouts,
      PolicyResource policies,
      HostResource hosts,
      FleetResource fleet,
      QuarantineResource quarantine,
      AuditResource audit,
      RolloutBoards boards,
      dev.patchwave.api.SimulationsResource simulations) {
    this.simulations = simulations;
    this.identity = identity;
    this.rollouts = rollouts;
    this.policies = policies;
    this.hosts = hosts;
    this.fleet = fleet;
    this.quarantine = quarantine;
    this.audit = audit;
    this.boards = boards;
  }

  /**
   * Who is looking, what they may do, and the CSRF token their buttons send back.
   *
   * @param page the page's name, for the navigation
   */
  public record Viewer(
      String name,
      List<String> roles,
      boolean operator,
      boolean approver,
      String csrf,
      String page) {}

  /** A host row of the fleet page. */
  public record HostRow(
      HostResource.HostView host,
      HostResource.HostDetail detail,
      int pending,
      int security,
      String drift) {}

  /** The plan of a policy page, or why the controller refuses to plan it now. */
  public record PlanPreview(PlanView plan, String refused, List<String> problems) {}

  /**
   * A what-if simulation of a policy page (its form's fields as given): the answer, or why there is
   * none. {@code chart} is the SVG, Base64, for an {@code img} (no script runs in one).
   */
  public record WhatIfView(
      String fault,
      String on,
      int runs,
      dev.patchwave.api.SimulationsResource.Answer answer,
      String chart,
      String refused) {}

  /** The faults the policy page offers, by the scenario's words, with what a person reads. */
  public static final java.util.Map<String, String> FAULTS = faults();

  private static java.util.Map<String, String> faults() {
    java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
    f.put("panicOnReboot", "panics on reboot");
    f.put("panicOnInstall", "panics while installing");
    f.put("unhealthyAfterReboot", "comes back unhealthy");
    f.put("failAfter", "fails 6 hours after install");
    f.put("networkLost", "loses its network after install");
    return java.util.Collections.unmodifiableMap(f);
  }

  /** An incident card of the quarantine page: may it be isolated now, and the isolation running. */
  public record IncidentCard(
      QuarantineResource.Incident incident,
      boolean provable,
      QuarantineResource.Isolation running) {}

  /** The audit page's filters as given. */
  public record AuditQuery(String actor, String action, String target, String outcome) {}

  @CheckedTemplate(basePath = "console", requireTypeSafeExpressions = false)
  static class Templates {
    static native TemplateInstance rollouts(
        Viewer viewer, List<RolloutResource.RolloutSummary> rollouts, List<String> policies);

    static native TemplateInstance rollout(
        Viewer viewer,
        RolloutBoards.Board board,
        List<RolloutResource.EventView> events,
        long last);

    static native TemplateInstance board(Viewer viewer, RolloutBoards.Board board);

    static native TemplateInstance line(RolloutResource.EventView line);

    static native TemplateInstance fleet(
        Viewer viewer,
        List<HostRow> hosts,
        List<FleetResource.UpdateView> updates,
        String prefix,
        String next);

    static native TemplateInstance policies(
        Viewer viewer, List<PolicyResource.PolicyView> policies);

    static native TemplateInstance policy(
        Viewer viewer,
        PolicyResource.PolicyView policy,
        PlanPreview preview,
        List<PolicyResource.RevisionView> revisions,
        java.util.Map<String, String> faults,
        WhatIfView whatif);

    static native TemplateInstance quarantine(
        Viewer viewer, List<QuarantineResource.Entry> entries, List<IncidentCard> incidents);

    static native TemplateInstance audit(
        Viewer viewer, List<AuditResource.Entry> entries, AuditQuery query, String next);
  }

  @GET
  @Path("rollouts")
  public TemplateInstance rollouts(@CookieParam(CsrfGuard.COOKIE) String csrf) {
    return Templates.rollouts(
        viewer(csrf, "rollouts"),
        rollouts.list(null),
        policies.list().stream().map(PolicyResource.PolicyView::name).toList());
  }

  @GET
  @Path("rollouts/{id}")
  public TemplateInstance rollout(
      @PathParam("id") String id, @CookieParam(CsrfGuard.COOKIE) String csrf) {
    long n = rollouts.get(id).id(); // the API's validation and 404
    RolloutBoards.Board board = boards.board(n).orElseThrow(NotFoundException::new);
    List<RolloutResource.EventView> events = boards.events(n, 0, 5000);
    long last = events.isEmpty() ? 0 : events.get(events.size() - 1).id();
    return Templates.rollout(viewer(csrf, "rollouts"), board, events, last);
  }

  /** The board alone: what a page shows again after one of its buttons did something. */
  @GET
  @Path("rollouts/{id}/board")
  public TemplateInstance board(
      @PathParam("id") String id, @CookieParam(CsrfGuard.COOKIE) String csrf) {
    long n = rollouts.get(id).id();
    return Templates.board(
        viewer(csrf, "rollouts"), boards.board(n).orElseThrow(NotFoundException::new));
  }

  /**
   * The rollout's events as they happen (Server-Sent Events): each new event as a timeline line
   * ({@code line}), then the board drawn again ({@code board}). The server looks for new events
   * every second; a browser that reconnects sends the last id it saw ({@code Last-Event-ID}) and
   * misses nothing.
   */
  @GET
  @Path("rollouts/{id}/stream")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @Blocking
  public Multi<OutboundSseEvent> stream(
      @PathParam("id") String id,
      @QueryParam("after") String after,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @CookieParam(CsrfGuard.COOKIE) String csrf,
      @Context Sse sse) {
    long n = rollouts.get(id).id();
    Viewer viewer = viewer(csrf, "rollouts");
    String from = lastEventId != null ? lastEventId : after;
    AtomicLong last = new AtomicLong(parseId(from));
    return Multi.createFrom()
        .ticks()
        .every(STREAM_POLL)
        .emitOn(Infrastructure.getDefaultWorkerPool())
        .onItem()
        .transformToIterable(tick -> poll(n, last, tick, viewer, sse));
  }

  private List<OutboundSseEvent> poll(
      long rollout, AtomicLong last, long tick, Viewer viewer, Sse sse) {
    List<RolloutResource.EventView> lines = boards.events(rollout, last.get(), 500);
    List<OutboundSseEvent> out = new ArrayList<>();
    if (lines.isEmpty()) {
      if (tick % KEEP_ALIVE_TICKS == 0) {
        out.add(sse.newEventBuilder().comment("keep-alive").build());
      }
      return out;
    }
    for (RolloutResource.EventView line : lines) {
      out.add(
          sse.newEventBuilder()
              .name("line")
              .id(Long.toString(line.id()))
              .data(Templates.line(line).render())
              .build());
    }
    last.set(lines.get(lines.size() - 1).id());
    boards
        .board(rollout)
        .ifPresent(
            b ->
                out.add(
                    sse.newEventBuilder()
                        .name("board")
                        .id(Long.toString(last.get()))
                        .data(Templates.board(viewer, b).render())
                        .build()));
    return out;
  }

  @GET
  @Path("fleet")
  public TemplateInstance fleet(
      @QueryParam("prefix") String prefix,
      @QueryParam("after") String after,
      @CookieParam(CsrfGuard.COOKIE) String csrf,
      @Context UriInfo uri) {
    Response page = hosts.list(null, blank(prefix), blank(after), PAGE, uri);
    @SuppressWarnings("unchecked")
    List<HostResource.HostView> views = (List<HostResource.HostView>) page.getEntity();
    List<HostRow> rows = new ArrayList<>();
    for (HostResource.HostView h : views) {
      HostResource.HostDetail d = hosts.get(h.name());
      var scan = d.scan();
      rows.add(
          new HostRow(
              h,
              d,
              scan == null ? 0 : scan.pending().size(),
              scan == null
                  ? 0
                  : (int) scan.pending().stream().filter(PendingUpdate::security).count(),
              scan == null || !scan.selfUpdate().updatesItself()
                  ? ""
                  : "updates itself: " + scan.selfUpdate().how()));
    }
    String next =
        page.getLink("next") == null || views.isEmpty() ? null : views.get(views.size() - 1).name();
    return Templates.fleet(viewer(csrf, "fleet"), rows, fleet.updates(null), blank(prefix), next);
  }

  @GET
  @Path("policies")
  public TemplateInstance policies(@CookieParam(CsrfGuard.COOKIE) String csrf) {
    return Templates.policies(viewer(csrf, "policies"), policies.list());
  }

  @GET
  @Path("policies/{name}")
  public TemplateInstance policy(
      @PathParam("name") String name,
      @QueryParam("whatif") String fault,
      @QueryParam("on") String on,
      @QueryParam("runs") String runs,
      @CookieParam(CsrfGuard.COOKIE) String csrf) {
    PolicyResource.PolicyView policy = policies.get(name);
    return Templates.policy(
        viewer(csrf, "policies"),
        policy,
        preview(name),
        policies.revisions(name),
        FAULTS,
        fault == null ? null : whatIf(name, fault, blank(on), runs));
  }

  /**
   * The policy's what-if next to its plan: {@code fault} on every selected host (or those whose
   * label {@code on} is {@code key=value}), through the simulations API (its checks, its one-at-a-
   * time rule), with the baselines and the chart.
   */
  private WhatIfView whatIf(String policy, String fault, String on, String runsText) {
    int runs = 5;
    try {
      if (!FAULTS.containsKey(fault)) {
        throw new jakarta.ws.rs.BadRequestException(
            "fault: expected one of " + String.join(", ", FAULTS.keySet()));
      }
      if (runsText != null && !runsText.isBlank()) {
        if (!runsText.matches("[1-9][0-9]?") || Integer.parseInt(runsText) > 20) {
          throw new jakarta.ws.rs.BadRequestException("runs: expected a whole number from 1 to 20");
        }
        runs = Integer.parseInt(runsText);
      }
      java.util.Map<String, String> hosts = java.util.Map.of();
      if (on != null) {
        int eq = on.indexOf('=');
        if (eq <= 0) {
          throw new jakarta.ws.rs.BadRequestException(
              "only on hosts with label: expected key=value, such as hardware=dell-r650");
        }
        hosts = java.util.Map.of(on.substring(0, eq).strip(), on.substring(eq + 1).strip());
      }
      var request =
          new dev.patchwave.api.SimulationsResource.Request(
              policy,
              null,
              new dev.patchwave.api.SimulationsResource.ScenarioBody(
                  null,
                  List.of(
                      new dev.patchwave.api.SimulationsResource.FaultBody(
                          fault, hosts, null, fault.equals("failAfter") ? "6h" : null)),
                  null,
                  null,
                  null,
                  null,
                  null),
              runs,
              1L,
              true,
              true);
      Response r = simulations.simulate(request);
      if (r.getEntity() instanceof dev.patchwave.api.SimulationsResource.Answer a) {
        String chart =
            a.chart() == null
                ? null
                : java.util.Base64.getEncoder()
                    .encodeToString(a.chart().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new WhatIfView(fault, on, runs, a, chart, null);
      }
      String why =
          r.getEntity() instanceof ProblemDetail p ? p.detail() : "the simulation did not run";
      return new WhatIfView(fault, on, runs, null, null, why);
    } catch (jakarta.ws.rs.WebApplicationException e) {
      return new WhatIfView(fault, on, runs, null, null, e.getMessage());
    } catch (dev.patchwave.doc.DocumentException e) {
      return new WhatIfView(fault, on, runs, null, null, e.getMessage());
    }
  }

  private PlanPreview preview(String name) {
    Response r = policies.plan(name);
    if (r.getEntity() instanceof PlanView plan) {
      return new PlanPreview(plan, null, List.of());
    }
    if (r.getEntity() instanceof ProblemDetail p) {
      List<String> problems =
          p.errors() == null
              ? List.of()
              : p.errors().stream().map(e -> e.path() + ": " + e.message()).toList();
      return new PlanPreview(null, p.detail(), problems);
    }
    return new PlanPreview(null, "the controller could not plan the policy now", List.of());
  }

  @GET
  @Path("quarantine")
  public TemplateInstance quarantine(@CookieParam(CsrfGuard.COOKIE) String csrf) {
    List<IncidentCard> incidents =
        quarantine.incidents("50").stream()
            .map(
                i ->
                    new IncidentCard(
                        i,
                        i.entries().stream()
                            .anyMatch(
                                e ->
                                    e.releasedAt() == null
                                        && ("SUSPECT".equals(e.verdict())
                                            || "IMPLICATED".equals(e.verdict()))),
                        i.isolations().stream()
                            .filter(x -> x.phase().equals("RUNNING"))
                            .findFirst()
                            .orElse(null)))
            .toList();
    return Templates.quarantine(viewer(csrf, "quarantine"), quarantine.list("true"), incidents);
  }

  @GET
  @Path("audit")
  public TemplateInstance audit(
      @QueryParam("actor") String actor,
      @QueryParam("action") String action,
      @QueryParam("target") String target,
      @QueryParam("outcome") String outcome,
      @QueryParam("before") String before,
      @CookieParam(CsrfGuard.COOKIE) String csrf) {
    AuditQuery q = new AuditQuery(blank(actor), blank(action), blank(target), blank(outcome));
    List<AuditResource.Entry> entries =
        audit.list(q.actor(), q.action(), q.target(), q.outcome(), null, null, blank(before), PAGE);
    String next =
        entries.size() < Integer.parseInt(PAGE)
            ? null
            : Long.toString(entries.get(entries.size() - 1).id());
    return Templates.audit(viewer(csrf, "audit"), entries, q, next);
  }

  private Viewer viewer(String csrf, String page) {
    List<String> roles =
        Roles.ALL.stream().filter(identity::hasRole).sorted().collect(Collectors.toList());
    return new Viewer(
        identity.getPrincipal().getName(),
        roles,
        identity.hasRole(Roles.OPERATOR),
        identity.hasRole(Roles.APPROVER),
        csrf == null ? "" : csrf,
        page);
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static long parseId(String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(text.strip()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
