namespace Sentinel.Worker.Storage;

/// <summary>
/// The one definition of a rollup row, from raw results: what a rollup round stores and what a history query computes
/// for the buckets not rolled up yet, so both agree to the last digit. Migration 0006 describes the columns.
/// </summary>
internal static class RollupSql
{
    /// <summary>The columns of a rollup row, in the order <see cref="Aggregate"/> selects them.</summary>
    public const string Columns = "check_id, bucket, phase, runs, down, degraded, unknown, min_ms, avg_ms, max_ms, p95_ms";

    /// <summary>
    /// A query of rollup rows (<see cref="Columns"/>) over the results of <paramref name="from"/> (which names the results
    /// <c>r</c>) that match <paramref name="where"/>, grouped by check, by <paramref name="bucket"/> (an expression of the
    /// bucket's first instant) and by phase. A run adds one row to 'total' and one to each numeric phase it timed; a phase
    /// named 'total' in the results, which no probe uses, is left out rather than mixed with the whole run.
    /// </summary>
    public static string Aggregate(string bucket, string from, string where) => $"""
        SELECT r.check_id, {bucket} AS bucket, p.phase,
               count(*)::int AS runs,
               (count(*) FILTER (WHERE r.status = 'down'))::int AS down,
               (count(*) FILTER (WHERE r.status = 'degraded'))::int AS degraded,
               (count(*) FILTER (WHERE r.status = 'unknown'))::int AS unknown,
               min(p.ms) AS min_ms, avg(p.ms) AS avg_ms, max(p.ms) AS max_ms,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY p.ms) AS p95_ms
        FROM {from}
        CROSS JOIN LATERAL (
            SELECT 'total' AS phase, r.duration_ms AS ms
            UNION ALL
            SELECT e.key, e.value::double precision
            FROM jsonb_each(r.phases) AS e
            WHERE jsonb_typeof(e.value) = 'number' AND e.key <> 'total'
        ) AS p
        WHERE {where}
        GROUP BY r.check_id, {bucket}, p.phase
        """;

    /// <summary>
    /// The upsert of <paramref name="rows"/> (a query of <see cref="Columns"/>) into <paramref name="table"/>: a bucket
    /// computed again replaces the stored one, and one whose numbers did not change is not written, so running a round
    /// twice changes nothing.
    /// </summary>
    public static string Upsert(string table, string rows) => $"""
        INSERT INTO {table} AS stored ({Columns})
        {rows}
        ON CONFLICT (check_id, bucket, phase) DO UPDATE SET
            runs = EXCLUDED.runs, down = EXCLUDED.down, degraded = EXCLUDED.degraded, unknown = EXCLUDED.unknown,
            min_ms = EXCLUDED.min_ms, avg_ms = EXCLUDED.avg_ms, max_ms = EXCLUDED.max_ms, p95_ms = EXCLUDED.p95_ms
        WHERE (stored.runs, stored.down, stored.degraded, stored.unknown, stored.min_ms, stored.avg_ms, stored.max_ms, stored.p95_ms)
              IS DISTINCT FROM
              (EXCLUDED.runs, EXCLUDED.down, EXCLUDED.degraded, EXCLUDED.unknown, EXCLUDED.min_ms, EXCLUDED.avg_ms, EXCLUDED.max_ms, EXCLUDED.p95_ms)
        """;
}
