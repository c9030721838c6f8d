-- path_hops picked path results by joining checks on type 'path', so a check whose file was removed, or whose
-- type changed, lost its path history from the view although its results remain. The view now picks results by
-- their details: only a path result's details hold both a hops array and a cycle count. It also shows each hop's
-- last round trip, every address that answered at the hop (most frequent first, several on load-balanced paths)
-- and whether the run reached the destination.

DROP VIEW path_hops;

CREATE VIEW path_hops AS
SELECT r.check_id,
       r.started_at,
       (h ->> 'hop')::int                    AS hop,
       h ->> 'address'                       AS address,
       (h ->> 'sent')::int                   AS sent,
       (h ->> 'received')::int               AS received,
       (h ->> 'lossRatio')::double precision AS loss_ratio,
       (h ->> 'avgMs')::double precision     AS avg_ms,
       (h ->> 'bestMs')::double precision    AS best_ms,
       (h ->> 'worstMs')::double precision   AS worst_ms,
       (h ->> 'stdDevMs')::double precision  AS stddev_ms,
       r.node,
       (h ->> 'lastMs')::double precision    AS last_ms,
       ARRAY(SELECT a.value ->> 'address'
             FROM jsonb_array_elements(CASE WHEN jsonb_typeof(h -> 'addresses') = 'array' THEN h -> 'addresses' ELSE '[]'::jsonb END)
                  WITH ORDINALITY AS a(value, position)
             ORDER BY a.position)            AS responders,
       (r.details ->> 'reached')::boolean    AS reached
FROM results r
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.details -> 'hops') = 'array' THEN r.details -> 'hops' ELSE '[]'::jsonb END) AS h
WHERE jsonb_typeof(r.details -> 'cycles') = 'number';
