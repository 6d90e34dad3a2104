-- A small shop database for the SQL Analyzer demo. It is realistic on purpose, and it carries defects on purpose:
-- each "DEFECT" comment names the check that must find it (tests/analyzer/test_sample.py holds the same list).
-- Built by samples/build_sample.py; the statements run with foreign key enforcement OFF, as many applications do.

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    full_name   TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT 'DE',
    created_at  TEXT NOT NULL
);
-- DEFECT sqlite-duplicate-index: repeats the index behind the UNIQUE constraint on email.
CREATE INDEX customers_email_idx ON customers (email);

-- DEFECT sqlite-primary-key-not-rowid: INT (not INTEGER) PRIMARY KEY is not a rowid alias.
-- DEFECT sqlite-column-affinity-surprise: STRING gets NUMERIC affinity, so SKU '00042' would become 42.
CREATE TABLE products (
    id          INT PRIMARY KEY,
    sku         STRING NOT NULL,
    name        TEXT NOT NULL,
    price       NUMERIC NOT NULL CHECK (price >= 0),
    stock       INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX products_sku_idx ON products (sku);

-- DEFECT sqlite-autoincrement: AUTOINCREMENT without a need to never reuse ids.
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status      TEXT NOT NULL DEFAULT 'new',
    ordered_at  TEXT NOT NULL,
    shipped_at  TEXT
);
-- DEFECT sqlite-redundant-index: a left prefix of orders_customer_status_idx.
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_customer_status_idx ON orders (customer_id, status);

-- DEFECT sqlite-foreign-key-without-index: product_id has no index (order_id is covered by the primary key).
CREATE TABLE order_items (
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    product_id  INTEGER NOT NULL REFERENCES products (id),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  NUMERIC NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- DEFECT sqlite-table-without-primary-key: rows can only be told apart by the implicit rowid.
CREATE TABLE audit_log (
    happened_at TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT
);

-- DEFECT sqlite-stored-code-lint (select-star): the view's columns change whenever orders changes.
CREATE VIEW open_orders AS
SELECT * FROM orders WHERE shipped_at IS NULL;

CREATE VIEW customer_revenue AS
SELECT c.id AS customer_id, c.full_name, SUM(i.quantity * i.unit_price) AS revenue
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items i ON i.order_id = o.id
GROUP BY c.id, c.full_name;

-- DEFECT sqlite-stored-code-lint (null-comparison): "shipped_at = NULL" is never true, so nothing is ever audited.
CREATE TRIGGER orders_audit_unship AFTER UPDATE OF shipped_at ON orders
BEGIN
    INSERT INTO audit_log (happened_at, actor, action, detail)
    SELECT datetime('now'), 'trigger', 'unshipped', 'order ' || NEW.id
    WHERE NEW.shipped_at = NULL;
END;

INSERT INTO customers (id, email, full_name, country, created_at) VALUES
    (1, 'ada@example.com', 'Ada Lovelace', 'GB', '2025-01-03T09:12:00Z'),
    (2, 'grace@example.com', 'Grace Hopper', 'US', '2025-01-05T14:40:00Z'),
    (3, 'edsger@example.com', 'Edsger Dijkstra', 'NL', '2025-02-11T08:05:00Z'),
    (4, 'barbara@example.com', 'Barbara Liskov', 'US', '2025-02-20T17:30:00Z'),
    (5, 'konrad@example.com', 'Konrad Zuse', 'DE', '2025-03-01T10:00:00Z'),
    (6, 'margaret@example.com', 'Margaret Hamilton', 'US', '2025-03-14T12:00:00Z');

INSERT INTO products (id, sku, name, price, stock) VALUES
    (1, 'KB-0001', 'Mechanical keyboard', 89.90, 25),
    (2, 'MS-0002', 'Wireless mouse', 24.50, 80),
    (3, 'MN-0003', '27-inch monitor', 279.00, 12),
    (4, 'CB-0004', 'USB-C cable', 9.99, 300),
    (5, 'HS-0005', 'Headset', 59.00, 40);

INSERT INTO orders (id, customer_id, status, ordered_at, shipped_at) VALUES
    (1, 1, 'shipped', '2025-04-01T10:00:00Z', '2025-04-02T09:00:00Z'),
    (2, 2, 'shipped', '2025-04-03T11:30:00Z', '2025-04-04T08:15:00Z'),
    (3, 3, 'new', '2025-04-05T16:45:00Z', NULL),
    (4, 1, 'paid', '2025-04-06T09:20:00Z', NULL),
    (5, 5, 'shipped', '2025-04-07T13:10:00Z', '2025-04-08T10:00:00Z'),
    (6, 6, 'new', '2025-04-08T19:55:00Z', NULL);

INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (1, 1, 1, 89.90), (1, 4, 2, 9.99),
    (2, 3, 1, 279.00),
    (3, 2, 1, 24.50), (3, 5, 1, 59.00),
    (4, 4, 5, 9.99),
    (5, 1, 1, 89.90), (5, 2, 1, 24.50),
    (6, 5, 2, 59.00);

-- DEFECT sqlite-foreign-key-violations: items of order 99, which does not exist (written while enforcement was off).
INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES
    (99, 3, 1, 279.00),
    (99, 4, 1, 9.99);

INSERT INTO audit_log (happened_at, actor, action, detail) VALUES
    ('2025-04-02T09:00:00Z', 'warehouse', 'shipped', 'order 1'),
    ('2025-04-04T08:15:00Z', 'warehouse', 'shipped', 'order 2'),
    ('2025-04-08T10:00:00Z', 'warehouse', 'shipped', 'order 5');

-- DEFECT sqlite-never-analyzed: ANALYZE is never run, so there is no sqlite_stat1.
-- (Also reported, as information: foreign keys declared while enforcement is per connection, the rollback journal
-- instead of WAL, and tables not declared STRICT.)
