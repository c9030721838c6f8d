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
/// may outlive its check.
/// </summary>
internal sealed class CheckLatestStore(NpgsqlDataSource dataSource, ProbeTypes catalog)
{
    private readonly IReadOnlyDictionary<string, MetricDescriptor> _metrics = catalog.Metrics
        .GroupBy(m => m.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>
    /// Every check (enabled or not), ordered by id, with its latest stored run as the history service answers it, or
    /// none for a check that has not run yet.
    /// </summary>
    public async Task<IReadOnlyList<CheckLatest>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT c.id, c.name, c.type, c.target, c.enabled,
                   l.result_id, l.started_at, l.status, l.duration_ms, l.phases::text, l.failure_layer, l.failure_category, l.failure_message, l.node
            FROM checks c
            LEFT JOIN check_latest l ON l.check_id = c.id
            ORDER BY c.id COLLATE "C"
            """);
        var checks = new List<CheckLatest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            checks.Add(new CheckLatest(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : ResultHistory.ReadRun(reader, 5)));
        }

        return checks;
    }

    /// <summary>The latest stored result of every enabled check, by check id; a check whose stored definition no longer parses is left out.</summary>
    public async Task<IReadOnlyList<LatestState>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.id, c.definition::text, c.source, l.result_id, l.started_at, l.duration_ms, l.phases::text, l.measurements::text,
                   l.problems::text, l.findings::text, l.details::text, l.samples::text, l.node, l.updated_at
            FROM check_latest l JOIN checks c ON c.id = l.check_id
            WHERE c.enabled
            ORDER BY c.id
            """);
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
