package dev.patchwave.schedule;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;

/**
 * One Quartz trigger per rollout, at the time the state machine asked to be woken. Stored in the
 * database (JDBC job store), so a wake-up survives a restart; a trigger that fires late (the
 * controller was down) fires at once.
 */
@ApplicationScoped
public class WakeUps {

  private static final Logger LOG = Logger.getLogger(WakeUps.class);
  static final String GROUP = "rollout";

  private final Scheduler quartz;

  public WakeUps(Scheduler quartz) {
    this.quartz = quartz;
  }

  /** Wakes rollout {@code id} at {@code at}, replacing any earlier wake-up; empty cancels. */
  public void schedule(long id, Optional<Instant> at) {
    TriggerKey key = TriggerKey.triggerKey("rollout-" + id, GROUP);
    try {
      if (at.isEmpty()) {
        quartz.unscheduleJob(key);
        return;
      }
      Trigger trigger =
          TriggerBuilder.newTrigger()
              .withIdentity(key)
              .forJob(job(id))
              .usingJobData("rollout", Long.toString(id))
              .startAt(Date.from(at.get()))
              .withSchedule(
                  org.quartz.SimpleScheduleBuilder.simpleSchedule()
                      .withMisfireHandlingInstructionFireNow())
              .build();
      if (!quartz.checkExists(job(id))) {
        quartz.scheduleJob(
            JobBuilder.newJob(Wake.class).withIdentity(job(id)).storeDurably().build(), trigger);
      } else if (quartz.checkExists(key)) {
        quartz.rescheduleJob(key, trigger);
      } else {
        quartz.scheduleJob(trigger);
      }
    } catch (SchedulerException e) {
      // The engine also wakes every active rollout at start and after every outcome; a lost
      // wake-up delays a soak end, it never skips a check.
      LOG.errorf("cannot schedule the wake-up of rollout %d: %s", id, e.getMessage());
    }
  }

  private static JobKey job(long id) {
    return JobKey.jobKey("rollout-" + id, GROUP);
  }

  /**
   * Who is woken: the engine, which decides again for the rollout. A port, so that the schedule
   * does not know the engine (the engine knows the schedule). Must return quickly.
   */
  public interface Sleeper {
    void wake(long rolloutId);
  }

  /** The job: wakes the rollout's sleeper. */
  @DisallowConcurrentExecution
  public static class Wake implements Job {
    @Inject Sleeper sleeper;

    @Override
    public void execute(JobExecutionContext context) {
      long id = Long.parseLong(context.getMergedJobDataMap().getString("rollout"));
      sleeper.wake(id);
    }
  }
}
