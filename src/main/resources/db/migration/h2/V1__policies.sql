-- Rollout policies as their authors wrote them (YAML or JSON), with where they came from.
CREATE TABLE policy (
    name          VARCHAR(63)   NOT NULL PRIMARY KEY,
    source        VARCHAR(1048576) NOT NULL,
    format        VARCHAR(8)    NOT NULL,
    origin        VARCHAR(16)   NOT NULL,
    origin_file   VARCHAR(1024),
    origin_sha256 VARCHAR(64),
    revision      BIGINT        NOT NULL,
    updated_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_by    VARCHAR(255)  NOT NULL
);
