using System.Text.Json;
using Npgsql;
using Sentinel.Api.Endpoints;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

/// <summary>
/// Each check's latest stored result (<c>check_latest</c>, which the writer updates with every batch), as every node
/// reads it: a restarted daemon rebuilds its <c>/metrics</c> view from it before the checks run again, and the history
/// service (<see cref="ResultHistory"/>) answers every check's latest state from it. Joined with <c>checks</c>: a result
/// may outlive its check. <c>check_latest</c> points at the result (migration 0010); its JSON columns come from
/// <c>results</c>, with a LEFT JOIN: a latest result older than the raw retention has lost them with its day's partition
/// and reads as empty ones.
/// </summary>
internal sealed class CheckLatestStore(NpgsqlDataSource dataSource, ProbeTypes catalog)
{
    private readonly IReadOnlyDictionary<string, MetricDescriptor> _metrics = catalog.Metrics
        .GroupBy(m => m.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>
    /// Every check (enabled or not), ordered by id, or only <paramref name="check"/>, with its latest stored run as the
    /// history service answers it, or none for a check that has not run yet; since when its status holds, its last
    /// failure with the hint, and when the certificate it saw expires.
    /// </summary>
    public async Task<IReadOnlyList<CheckLatest>> ListAllAsync(CancellationToken cancellationToken, string? check = null)
    {
        // The last failure is the latest run, or the one run before the current state began: one index probe per check,
        // never a scan back through a check that has been up for months.
        await using var command = dataSource.CreateCommand(
            """
            SELECT c.id, c.name, c.type, c.target, c.enabled, c.labels::text,
                   l.result_id, l.started_at, l.status, l.duration_ms, coalesce(lr.phases, '{}')::text, l.failure_layer, l.failure_category, l.failure_message, l.node,
                   lr.scheduled_at, coalesce(l.status_since, l.started_at),
                   f.started_at, f.status, f.failure_layer, f.failure_category, f.failure_message,
                   (SELECT p ->> 'hint' FROM jsonb_array_elements(CASE jsonb_typeof(f.problems) WHEN 'array' THEN f.problems ELSE '[]' END) AS p
                    ORDER BY (p ->> 'category') IS NOT DISTINCT FROM f.failure_category DESC LIMIT 1),
                   CASE WHEN jsonb_typeof(lr.measurements -> 'cert.days_left') = 'number'
                        THEN l.started_at + (lr.measurements ->> 'cert.days_left')::float8 * interval '1 day' END
            FROM checks c
            LEFT JOIN check_latest l ON l.check_id = c.id
            LEFT JOIN results lr ON lr.id = l.result_id AND lr.started_at = l.started_at
            LEFT JOIN LATERAL (
                SELECT l.started_at, l.status, l.failure_layer, l.failure_category, l.failure_message, lr.problems
                WHERE l.status IN ('down', 'unknown')
                UNION ALL
                SELECT * FROM (
                    SELECT r.started_at, r.status, r.failure_layer, r.failure_category, r.failure_message, r.problems
                    FROM results r
                    WHERE l.status NOT IN ('down', 'unknown') AND r.check_id = l.check_id AND r.started_at < coalesce(l.status_since, l.started_at)
                    ORDER BY r.started_at DESC
                    LIMIT 1) AS before_state
                WHERE before_state.status IN ('down', 'unknown')
            ) AS f ON true
            WHERE $1::text IS NULL OR c.id = $1
            ORDER BY c.id COLLATE "C"
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)check ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var checks = new List<CheckLatest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var ran = !reader.IsDBNull(6);
            checks.Add(new CheckLatest(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                ran ? ResultHistory.ReadRun(reader, 6) : null)
            {
                Labels = Labels(reader.GetString(5)),
                StatusSince = ran ? reader.GetFieldValue<DateTimeOffset>(16) : null,
                LastFailure = reader.IsDBNull(17) ? null : new CheckFailure(
                    reader.GetFieldValue<DateTimeOffset>(17), reader.GetString(18), Text(reader, 19), Text(reader, 20), Text(reader, 21), Text(reader, 22)),
                CertificateExpiresAt = reader.IsDBNull(23) ? null : reader.GetFieldValue<DateTimeOffset>(23),
            });
        }

        return checks;
    }

    /// <summary>
    /// The problems of a latest result whose row is gone from <c>results</c> (past the raw retention), rebuilt from the
    /// failure <c>check_latest</c> keeps, so that the status derived from them (<see cref="ProbeResult.Status"/>) stays
    /// the stored one: an error of the failure's layer when down, of the probe layer when unknown, a warning when degraded.
    /// </summary>
    private const string ProblemOfLatest = """
        CASE WHEN l.status = 'up' THEN '[]'::jsonb
             ELSE jsonb_build_array(jsonb_build_object(
                 'layer', CASE WHEN l.status = 'unknown' THEN 'probe' ELSE coalesce(l.failure_layer, '') END,
                 'category', coalesce(l.failure_category, ''), 'message', coalesce(l.failure_message, ''),
                 'severity', CASE WHEN l.status = 'degraded' THEN 'warning' ELSE 'error' END)) END
        """;

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static Dictionary<string, string> Labels(string json)
    {
        using var document = JsonDocument.Parse(json);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in document.RootElement.EnumerateObject())
            {
                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String ? label.Value.GetString()! : label.Value.GetRawText();
            }
        }

        return labels;
    }

    /// <summary>The latest stored result of every enabled check, by check id; a check whose stored definition no longer parses is left out.</summary>
    public Task<IReadOnlyList<LatestState>> ListAsync(CancellationToken cancellationToken) => ListAsync(null, cancellationToken);

    /// <summary>
    /// As <see cref="ListAsync(CancellationToken)"/>, only the rows written after <paramref name="updatedAfter"/> (all when
    /// null): what another node stored since the last read.
    /// </summary>
    public async Task<IReadOnlyList<LatestState>> ListAsync(DateTimeOffset? updatedAfter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($$"""
            SELECT c.id, c.definition::text, c.source, l.result_id, l.started_at, l.duration_ms, coalesce(r.phases, '{}')::text,
                   coalesce(r.measurements, '{}')::text, coalesce(r.problems, {{ProblemOfLatest}})::text, coalesce(r.findings, '[]')::text, r.details::text,
                   l.samples::text, l.node, l.updated_at
            FROM check_latest l JOIN checks c ON c.id = l.check_id
            LEFT JOIN results r ON r.id = l.result_id AND r.started_at = l.started_at
            WHERE c.enabled AND ($1::timestamptz IS NULL OR l.updated_at > $1)
            ORDER BY c.id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = updatedAfter.HasValue ? updatedAfter.Value : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<LatestState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            var document = CheckParser.Parse(reader.GetString(1), reader.IsDBNull(2) ? $"checks table ({id})" : reader.GetString(2), catalog.Checks);
            if (!document.IsValid || document.Checks.Count != 1)
            {
                continue;
            }

            var row = new StoredResultRow(
                reader.GetGuid(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetDouble(5),
                reader.GetString(6),
                reader.GetString(7),
                reader.GetString(8),
                reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetString(11));
            var check = document.Checks[0].Definition;
            try
            {
                states.Add(new LatestState(check, StoredResults.ToProbeResult(check, row, _metrics), reader.GetString(12), reader.GetFieldValue<DateTimeOffset>(13)));
            }
            catch (Exception ex) when (ex is JsonException or FormatException)
            {
                // A row no Sentinel wrote (edited by hand, say): the check shows up with its next run instead.
            }
        }

        return states;
    }
}

/// <summary>A check's latest stored result.</summary>
/// <param name="Check">The check, as its stored definition reads now.</param>
/// <param name="Result">Its latest result, rebuilt from the stored columns (details as stored JSON).</param>
/// <param name="Node">The node that ran it.</param>
/// <param name="UpdatedAt">When it was stored.</param>
internal sealed record LatestState(CheckDefinition Check, ProbeResult Result, string Node, DateTimeOffset UpdatedAt);
