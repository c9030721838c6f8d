-- One row per path check, run and hop, read from the hops a path result stores in its details, so that
-- dashboards can show the path over time (which address answered at each hop, its loss and round trip)
-- without unpacking JSON themselves.

CREATE VIEW path_hops AS
SELECT r.check_id,
       r.started_at,
       (h ->> 'hop')::int                  AS hop,
       h ->> 'address'                     AS address,
       (h ->> 'sent')::int                 AS sent,
       (h ->> 'received')::int             AS received,
       (h ->> 'lossRatio')::double precision AS loss_ratio,
       (h ->> 'avgMs')::double precision   AS avg_ms,
       (h ->> 'bestMs')::double precision  AS best_ms,
       (h ->> 'worstMs')::double precision AS worst_ms,
       (h ->> 'stdDevMs')::double precision AS stddev_ms,
       r.node
FROM results r
JOIN checks c ON c.id = r.check_id AND c.type = 'path'
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.details -> 'hops') = 'array' THEN r.details -> 'hops' ELSE '[]'::jsonb END) AS h;
