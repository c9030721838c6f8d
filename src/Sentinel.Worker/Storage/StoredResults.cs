using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

/// <summary>
/// A result read back from its stored JSON columns, as much of it as <c>/metrics</c> and readers need: status (from the
/// problems, as it was derived when the result was made), duration, phases, measurements, problems, findings, the
/// metric samples (their descriptors looked up by name in the probe catalog) and the details as stored JSON. Lenient:
/// a member of an unexpected shape is left out rather than failing the whole result.
/// </summary>
internal static class StoredResults
{
    /// <summary>The result of <paramref name="check"/> a stored row describes.</summary>
    public static ProbeResult ToProbeResult(CheckDefinition check, StoredResultRow row, IReadOnlyDictionary<string, MetricDescriptor> metrics) => new()
    {
        CheckId = check.Id,
        Type = check.Type,
        Target = check.Target,
        Id = row.Id,
        StartedAt = row.StartedAt,
        Duration = TimeSpan.FromMilliseconds(row.DurationMs),
        Phases = Phases(row.Phases),
        Measurements = Measurements(row.Measurements),
        Problems = Problems(row.Problems),
        Findings = Findings(row.Findings),
        Samples = Samples(row.Samples, metrics),
        Details = row.Details is { } details ? new StoredDetails(details) : null,
    };

    /// <summary><c>{"resolve": 0.4, …}</c>, milliseconds (in jsonb's order of keys: it does not keep the order they were written in).</summary>
    public static IReadOnlyList<PhaseTiming> Phases(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind != JsonValueKind.Object ? [] :
            document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var ms) && Math.Abs(ms) < TimeSpan.MaxValue.TotalMilliseconds)
                .Select(p => new PhaseTiming(p.Name, TimeSpan.FromMilliseconds(p.Value.GetDouble())))
                .ToList();
    }

    /// <summary>Numbers (with the written form when it says more than the value, as <c>1.0</c>), texts and lists of texts.</summary>
    public static IReadOnlyDictionary<string, MeasurementValue> Measurements(string json)
    {
        using var document = JsonDocument.Parse(json);
        var measurements = new Dictionary<string, MeasurementValue>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return measurements;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            switch (value.ValueKind)
            {
                case JsonValueKind.Number when value.TryGetDouble(out var number):
                    var written = value.GetRawText();
                    measurements[property.Name] = written == MeasurementValue.FormatNumber(number) ? MeasurementValue.Of(number) : MeasurementValue.Of(number, written);
                    break;
                case JsonValueKind.String:
                    measurements[property.Name] = MeasurementValue.Of(value.GetString()!);
                    break;
                case JsonValueKind.Array:
                    measurements[property.Name] = MeasurementValue.Of(value.EnumerateArray().Select(Text).ToList());
                    break;
            }
        }

        return measurements;
    }

    /// <summary><c>[{"layer", "category", "severity", "message", "hint"}]</c>.</summary>
    public static IReadOnlyList<Problem> Problems(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Objects(document.RootElement)
            .Select(p => new Problem(Member(p, "layer"), Member(p, "category"), Member(p, "message"), Member(p, "hint"),
                Member(p, "severity") == "warning" ? ProblemSeverity.Warning : ProblemSeverity.Error))
            .ToList();
    }

    /// <summary><c>[{"id", "severity", "message", "hint", "evidence": {…}}]</c>.</summary>
    public static IReadOnlyList<Finding> Findings(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Objects(document.RootElement)
            .Select(f => new Finding(Member(f, "id"),
                Enum.TryParse<FindingSeverity>(Member(f, "severity"), ignoreCase: true, out var severity) ? severity : FindingSeverity.Info,
                Member(f, "message"), Member(f, "hint"),
                f.TryGetProperty("evidence", out var evidence) && evidence.ValueKind == JsonValueKind.Object
                    ? evidence.EnumerateObject().Select(e => KeyValuePair.Create(e.Name, Text(e.Value))).ToList()
                    : null))
            .ToList();
    }

    /// <summary><c>[{"metric", "value", "labels"}]</c>; a sample of a series the catalog does not declare (any more) is left out.</summary>
    public static IReadOnlyList<MetricSample> Samples(string json, IReadOnlyDictionary<string, MetricDescriptor> metrics)
    {
        StoredSample[]? stored;
        try
        {
            stored = JsonSerializer.Deserialize(json, StoredSampleJson.Default.StoredSampleArray);
        }
        catch (JsonException)
        {
            return [];
        }

        return (stored ?? [])
            .Where(s => s?.Metric is not null && s.Labels is not null)
            .Select(s => (Sample: s, Found: metrics.TryGetValue(s.Metric, out var descriptor), Descriptor: descriptor))
            .Where(s => s.Found && s.Sample.Labels.Count == s.Descriptor!.LabelNames.Count)
            .Select(s => new MetricSample(s.Descriptor!, s.Sample.Value, s.Sample.Labels))
            .ToList();
    }

    private static List<JsonElement> Objects(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList() : [];

    private static string Member(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? Text(value) : string.Empty;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}

/// <summary>The stored columns of one result, as <c>results</c> holds them, with the samples <c>check_latest</c> keeps.</summary>
internal sealed record StoredResultRow(
    Guid Id,
    DateTimeOffset StartedAt,
    double DurationMs,
    string Phases,
    string Measurements,
    string Problems,
    string Findings,
    string? Details,
    string Samples);

/// <summary>Details read back from storage: kept as the JSON they were stored as, and written and shown as such.</summary>
[JsonConverter(typeof(StoredDetailsJsonConverter))]
internal sealed class StoredDetails(string json) : ProbeDetails
{
    public string Json { get; } = json;

    internal override JsonTypeInfo JsonTypeInfo => StorageJsonContext.Default.StoredDetails;

    public override void WriteReport(TextWriter writer) => writer.WriteLine($"  details     {Json}");
}

/// <summary>Stored details as the JSON they were stored as, verbatim.</summary>
internal sealed class StoredDetailsJsonConverter : WriteOnlyJsonConverter<StoredDetails>
{
    public override void Write(Utf8JsonWriter writer, StoredDetails value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json);
}
