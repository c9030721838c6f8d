using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;

namespace Sentinel.Worker.Storage;

/// <summary>
/// One result as a row of <c>results</c> holds it: made once, when the result is published, and then what the writer
/// copies into PostgreSQL and what the spill file holds, one JSON line each (<see cref="ResultRowJson"/>). The JSON
/// columns are the result's JSON as <see cref="ProbeResultJson"/> writes it, made storable by <see cref="StorageText"/>.
/// </summary>
internal sealed record ResultRow
{
    private static readonly HashSet<string> Statuses = new(StringComparer.Ordinal) { "up", "degraded", "down", "unknown" };

    public required Guid Id { get; init; }

    public required string CheckId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// The fire time the scheduler planned the run for; null for a run asked for at once, and in spill lines written
    /// before the column existed.
    /// </summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    public required double DurationMs { get; init; }

    /// <summary><c>up</c>, <c>degraded</c>, <c>down</c> or <c>unknown</c>.</summary>
    public required string Status { get; init; }

    public string? FailureLayer { get; init; }

    public string? FailureCategory { get; init; }

    public string? FailureMessage { get; init; }

    /// <summary><c>{"resolve": 0.4, …}</c> in milliseconds.</summary>
    public required string Phases { get; init; }

    public required string Measurements { get; init; }

    public required string Problems { get; init; }

    public required string Findings { get; init; }

    public string? Details { get; init; }

    /// <summary>The probe-declared series, as <c>check_latest.samples</c> keeps them (<see cref="ResultSamples"/>).</summary>
    public required string Samples { get; init; }

    /// <summary>The node that ran the check.</summary>
    public required string Node { get; init; }

    /// <summary>The row of <paramref name="result"/>, run on <paramref name="node"/>.</summary>
    public static ResultRow From(ProbeResult result, string node)
    {
        var failure = result.Failure;
        return new ResultRow
        {
            Id = result.Id,
            CheckId = result.CheckId,
            StartedAt = result.StartedAt.ToUniversalTime(),
            ScheduledAt = result.ScheduledAt?.ToUniversalTime(),
            DurationMs = result.Duration.TotalMilliseconds,
            Status = ProbeResultJson.Name(result.Status),
            FailureLayer = failure?.Layer,
            FailureCategory = failure?.Category,
            FailureMessage = StorageText.Clean(failure?.Message),
            Phases = StorageText.CleanJson(ProbeResultJson.Phases(result))!,
            Measurements = StorageText.CleanJson(ProbeResultJson.Measurements(result))!,
            Problems = StorageText.CleanJson(ProbeResultJson.Problems(result))!,
            Findings = StorageText.CleanJson(ProbeResultJson.Findings(result))!,
            Details = StorageText.CleanJson(ProbeResultJson.Details(result)),
            Samples = StorageText.CleanJson(ResultSamples.Json(result))!,
            Node = node,
        };
    }

    /// <summary>A line of the spill file as a row, or null when it is not a whole one (<see cref="IsComplete"/>).</summary>
    public static ResultRow? FromSpillLine(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ResultRowJson.Default.ResultRow) is { IsComplete: true } row ? row : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a row read back from the spill file can be stored: every required field present (JSON null is not a
    /// value), a known status. A line that parses but is not a row is counted as corrupt rather than failing its batch.
    /// </summary>
    public bool IsComplete =>
        Id != Guid.Empty && !string.IsNullOrEmpty(CheckId) && Statuses.Contains(Status ?? string.Empty) && !string.IsNullOrEmpty(Node)
        && IsJson(Phases, '{') && IsJson(Measurements, '{') && IsJson(Problems, '[') && IsJson(Findings, '[') && IsJson(Samples, '[')
        && (Details is null || IsJson(Details, '{')) && double.IsFinite(DurationMs);

    /// <summary>Whether a JSON column holds the container it should (PostgreSQL checks the rest, refusing a row it cannot parse).</summary>
    private static bool IsJson(string? json, char open) =>
        json is { Length: >= 2 } && json[0] == open && json[^1] == (open == '{' ? '}' : ']');
}

/// <summary>
/// The spill file's line format: a row's fields in snake case, as the columns are named; the JSON columns as strings
/// holding their JSON text, so that replay reads each with one string copy instead of parsing it twice (PostgreSQL
/// parses it anyway).
/// </summary>
[JsonSerializable(typeof(ResultRow))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class ResultRowJson : JsonSerializerContext;
