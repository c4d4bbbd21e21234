-- A complaint about a home-service provider, made by a family on one of its orders (居家社区养老
-- 服务的投诉): the provider and the order it is about, so that it reaches the supervision list of
-- the older person's county. Keep in step with the other backend's 0036_complaints_about_services.sql.

ALTER TABLE complaints ADD COLUMN provider_id INTEGER REFERENCES providers (id);
ALTER TABLE complaints ADD COLUMN order_id INTEGER REFERENCES service_orders (id);
CREATE INDEX complaints_order ON complaints (order_id);
CREATE INDEX complaints_provider ON complaints (provider_id);
