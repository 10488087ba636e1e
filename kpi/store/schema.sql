-- Every table of the store. Idempotent: run on every connection set-up.
-- Reference tables are rebuilt by `etl init`; progress tables are append-only history.

-- ---------------------------------------------------------------- reference
create table if not exists plans (
    plan_id        varchar primary key,
    name_zh        varchar not null,
    name_en        varchar not null,
    doc_no         varchar,          -- issuing document number, e.g. 湛府〔2023〕14号
    issued_on      date,
    start_period   varchar not null, -- first quarter of the plan, e.g. 2023Q1
    end_period     varchar not null, -- target quarter, e.g. 2025Q4
    base_period    varchar not null, -- baseline quarter, e.g. 2022Q4
    source_id      varchar not null
);

create table if not exists sources (
    plan_id    varchar not null,
    source_id  varchar not null,
    file       varchar not null,
    title_zh   varchar not null,
    title_en   varchar not null,
    doc_no     varchar,
    issued_on  date,
    primary key (plan_id, source_id)
);

create table if not exists indicators (
    plan_id         varchar not null,
    indicator_code  varchar not null,
    category_zh     varchar not null,
    category_en     varchar not null,
    name_zh         varchar not null,
    name_en         varchar not null,
    unit            varchar not null,  -- canonical unit every figure is stored in
    unit_en         varchar not null,
    display_unit    varchar not null,
    display_unit_en varchar not null,
    display_factor  double not null,   -- shown value = stored value / display_factor
    semantics       varchar not null check (semantics in ('level', 'new_since_base', 'yearly_flow')),
    breakdowns      varchar,           -- 'sector|district', 'district' ...: the breakdowns it has
    sort_order      integer not null,
    note            varchar,
    primary key (plan_id, indicator_code)
);

-- Units a figure may be written in, per canonical unit: value_in_canonical = value * factor.
create table if not exists unit_conversions (
    from_unit  varchar not null,
    to_unit    varchar not null,
    factor     double not null,
    primary key (from_unit, to_unit)
);

create table if not exists sectors (
    plan_id        varchar not null,
    sector_code    varchar not null,
    name_zh        varchar not null,
    name_en        varchar not null,
    aliases        varchar,  -- '|'-separated short forms accepted in uploads
    task_group_no  integer,
    sort_order     integer not null,
    primary key (plan_id, sector_code)
);

create table if not exists districts (
    plan_id        varchar not null,
    district_code  varchar not null,
    name_zh        varchar not null,
    name_en        varchar not null,
    aliases        varchar,
    sort_order     integer not null,
    primary key (plan_id, district_code)
);

-- Final targets (sector_code null = city-wide). Several rows may exist for one indicator when
-- sources disagree; exactly one city-wide row per indicator has is_default.
create table if not exists targets (
    plan_id           varchar not null,
    indicator_code    varchar not null,
    sector_code       varchar,
    year              integer not null,
    period            varchar not null,
    value             double not null,   -- canonical unit
    value_as_written  varchar not null,  -- e.g. 1.8
    unit_as_written   varchar not null,  -- e.g. 万座
    comparator        varchar not null,  -- '>=', '=', '~', 'range' as the document words it (data/README.md)
    source_id         varchar not null,
    source_ref        varchar not null,
    is_default        boolean not null,
    note              varchar
);

create table if not exists milestones (
    plan_id         varchar not null,
    indicator_code  varchar not null,
    sector_code     varchar,
    period          varchar not null,
    value           double not null,
    source_id       varchar not null,
    source_ref      varchar not null,
    note            varchar
);

create table if not exists task_groups (
    plan_id      varchar not null,
    group_no     integer not null,
    name_zh      varchar not null,
    name_en      varchar not null,
    sector_code  varchar,
    units_as_written varchar not null,
    source_ref   varchar not null,
    primary key (plan_id, group_no)
);

create table if not exists subtasks (
    plan_id     varchar not null,
    group_no    integer not null,
    subtask_no  integer not null,
    text_zh     varchar not null,
    text_en     varchar not null,
    primary key (plan_id, group_no, subtask_no)
);

create table if not exists responsible_units (
    plan_id   varchar not null,
    unit_zh   varchar not null,
    unit_en   varchar not null,
    kind      varchar not null,  -- municipal / county / other
    primary key (plan_id, unit_zh)
);

-- Units are named per task group in the source table; every sub-task of a group shares them.
create table if not exists task_group_units (
    plan_id   varchar not null,
    group_no  integer not null,
    position  integer not null,
    unit_zh   varchar not null,
    primary key (plan_id, group_no, unit_zh)
);

create table if not exists indicator_tasks (
    plan_id         varchar not null,
    indicator_code  varchar not null,
    group_no        integer not null,
    subtask_no      integer,
    note            varchar
);

-- ---------------------------------------------------------------- history (never deleted)
create sequence if not exists batch_ids start 1;
create sequence if not exists task_update_ids start 1;
create sequence if not exists audit_ids start 1;

create table if not exists batches (
    batch_id        integer primary key,
    plan_id         varchar not null,
    kind            varchar not null check (kind in ('load', 'rollback', 'demo')),
    file_name       varchar,
    file_sha256     varchar,
    user_name       varchar not null,
    loaded_at       timestamp not null,
    row_count       integer not null,
    is_demo         boolean not null,
    rolls_back      integer,   -- for kind = 'rollback': the batch undone
    rolled_back_by  integer,   -- set when a later rollback undid this batch
    note            varchar
);

-- A batch's file as received. Its bytes are kept by hash in the folder `<db>.uploads/`
-- (kpi.store.kept_files), not in the store; files kept by earlier releases are in `content`.
create table if not exists uploaded_files (
    batch_id   integer primary key,
    file_name  varchar not null,
    content    blob,
    sha256     varchar,
    size_bytes bigint
);

create table if not exists figures (
    figure_id       bigint not null,
    plan_id         varchar not null,
    indicator_code  varchar not null,
    period          varchar not null,
    sector_code     varchar,
    district_code   varchar,
    value           double not null,   -- canonical unit of the indicator
    batch_id        integer not null,
    is_current      boolean not null,  -- false once a later batch superseded it
    superseded_by   integer,           -- batch that replaced it
    is_demo         boolean not null,
    source_row      integer            -- row number in the uploaded file
);

create table if not exists task_updates (
    update_id   bigint not null,
    plan_id     varchar not null,
    group_no    integer not null,
    subtask_no  integer not null,
    period      varchar not null,
    status      varchar not null check (status in ('not_started', 'in_progress', 'done', 'delayed')),
    note        varchar,
    evidence    varchar,
    user_name   varchar not null,
    unit_zh     varchar,
    updated_at  timestamp not null,
    is_demo     boolean not null
);

create table if not exists audit_log (
    audit_id    bigint not null,
    logged_at   timestamp not null,
    user_name   varchar not null,
    role        varchar not null,
    action      varchar not null,
    plan_id     varchar,
    batch_id    integer,
    object_id   varchar,
    before_json varchar,
    after_json  varchar
);

-- Admin edits of targets and milestones (目标调整). The cited reference row is never changed;
-- an edit names it by its natural key and is applied on top by kpi.store.queries.targets/milestones.
-- `etl init` rebuilds the reference tables but never touches this table. Append-only: the
-- latest edit of a row is in force; a revert is one more edit back to the cited value.
create sequence if not exists target_edit_ids start 1;

create table if not exists target_edits (
    edit_id         bigint not null,
    plan_id         varchar not null,
    kind            varchar not null check (kind in ('target', 'milestone')),
    indicator_code  varchar not null,
    sector_code     varchar,
    period          varchar not null,
    source_id       varchar not null,
    source_ref      varchar not null,
    source_value    double not null,   -- the cited value when the edit was made
    old_value       double not null,   -- the value in force before this edit (canonical unit)
    new_value       double not null,   -- canonical unit of the indicator
    reason          varchar not null,
    user_name       varchar not null,
    role            varchar not null,
    edited_at       timestamp not null
);

-- Columns added after the first release: files built before them gain them here.
alter table indicators add column if not exists breakdowns varchar;
alter table uploaded_files add column if not exists sha256 varchar;
alter table uploaded_files add column if not exists size_bytes bigint;
alter table uploaded_files alter column content drop not null;

-- ---------------------------------------------------------------- reporting (填报 → 审核 → 发布)
-- A batch a staff member submits is 'pending' until a reviewer approves it ('approved') or
-- returns it with a reason ('returned'). Only approved batches have rows in `figures`; the
-- rows of a pending or returned batch wait in `submitted_figures`. Older batches are approved.
alter table batches add column if not exists review_state varchar default 'approved';
alter table batches add column if not exists unit_zh varchar;       -- the submitting staff's unit
alter table batches add column if not exists entry varchar;         -- 'file', 'form' or 'cli'
alter table batches add column if not exists reviewed_by varchar;
alter table batches add column if not exists reviewed_at timestamp;
alter table batches add column if not exists review_reason varchar; -- why it was returned
alter table batches add column if not exists resubmits integer;     -- the returned batch it replaces

create table if not exists submitted_figures (
    batch_id        integer not null,
    source_row      integer,
    indicator_code  varchar not null,
    period          varchar not null,
    sector_code     varchar,
    district_code   varchar,
    value           double not null,   -- canonical unit, the indicator's stored basis
    entered_basis   varchar            -- 'declared', 'quarter', 'cumulative' or 'both'
);

-- 在线填报 drafts: one per person, plan and quarter, overwritten on each save (not history).
create table if not exists entry_drafts (
    plan_id    varchar not null,
    user_name  varchar not null,
    period     varchar not null,
    saved_at   timestamp not null,
    rows_json  varchar not null,
    primary key (plan_id, user_name, period)
);

-- 佐证材料: files are kept by content hash in <db>.evidence/ (kpi.store.evidence), never served
-- directly; a row per file or link attached to a batch or a task update.
create sequence if not exists attachment_ids start 1;

create table if not exists attachments (
    attachment_id  bigint not null,
    plan_id        varchar not null,
    batch_id       integer,          -- a figure submission ...
    update_id      bigint,           -- ... or a task update
    kind           varchar not null check (kind in ('file', 'link')),
    file_name      varchar,          -- as uploaded (shown only, never a path)
    sha256         varchar,          -- content hash of the stored file
    size_bytes     bigint,
    media_type     varchar,
    url            varchar,          -- for a link
    user_name      varchar not null,
    unit_zh        varchar,
    attached_at    timestamp not null
);

-- ---------------------------------------------------------------- several plans (issue 13)
-- Figures other cities published, cited from the sources (e.g. Zhongshan's 5G base stations),
-- shown beside the indicator with the same unit: never figures of this city.
create table if not exists peer_figures (
    plan_id           varchar not null,
    indicator_code    varchar not null,
    city_zh           varchar not null,
    city_en           varchar not null,
    value             double not null,   -- canonical unit of the indicator
    value_as_written  varchar not null,
    unit_as_written   varchar not null,
    as_of             date not null,     -- the date the source gives the figure for
    source_id         varchar not null,
    source_ref        varchar not null,
    note              varchar
);

-- An indicator is one time series across plans: a figure is stored once, whichever plan it was
-- loaded under (figures.plan_id), and counts for every plan that has its indicator and whose
-- window, from the baseline quarter to the end quarter, covers its quarter.
create view if not exists plan_figures as
select p.plan_id, f.* exclude (plan_id), f.plan_id as loaded_for
from figures f
join indicators i on i.indicator_code = f.indicator_code
join plans p on p.plan_id = i.plan_id and f.period between p.base_period and p.end_period;

-- The fingerprint of this file's text, written once its statements have run on the store: the
-- first connection of a process checks it in one small read instead of reading the catalog
-- (kpi.store.db). A store of an older release has none, or another, and is checked in full.
create table if not exists schema_fingerprint (fingerprint varchar not null);
