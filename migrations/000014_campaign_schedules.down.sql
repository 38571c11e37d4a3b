DROP TABLE IF EXISTS campaign_audiences;
DROP TABLE IF EXISTS campaign_schedule_runs;
DROP TABLE IF EXISTS campaign_schedules;
