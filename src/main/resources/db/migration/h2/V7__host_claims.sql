-- One owner per host (DESIGN invariant 9): a host is claimed by at most one unfinished rollout.
-- The primary key is the guarantee: two rollouts that start at once cannot both claim a host.
-- Claims are inserted with the rollout and deleted when the host or the rollout is done with.
CREATE TABLE host_claim (
    host       VARCHAR(253) NOT NULL PRIMARY KEY,
    rollout_id BIGINT       NOT NULL REFERENCES rollout (id),
    claimed_at TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
CREATE INDEX host_claim_rollout ON host_claim (rollout_id);

-- At most one unfinished rollout per policy: the policy's name while the rollout runs, NULL once it
-- has ended. A unique index allows any number of NULLs.
ALTER TABLE rollout ADD COLUMN running_policy VARCHAR(63);
UPDATE rollout SET running_policy = policy_name
 WHERE phase NOT IN ('HALTED', 'COMPLETED', 'ABORTED')
   AND id = (SELECT MAX(r2.id) FROM rollout r2
              WHERE r2.policy_name = rollout.policy_name
                AND r2.phase NOT IN ('HALTED', 'COMPLETED', 'ABORTED'));
CREATE UNIQUE INDEX rollout_running_policy ON rollout (running_policy);

-- What a leader took and what came of it: a command with no effect says why (an answer of 409).
ALTER TABLE rollout_command ADD COLUMN refusal VARCHAR(1000);

-- A decision that may start hosts holds this row's lock while it counts the hosts in flight of
-- every rollout and saves: two rollouts sharing a redundancy group never count at the same time.
CREATE TABLE fleet_lock (
    id INT NOT NULL PRIMARY KEY
);
INSERT INTO fleet_lock (id) VALUES (1);
