using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Reporting;

/// <summary>A result as its JSON shows it: the members of <see cref="ProbeResultJson.Serialize"/>, in order.</summary>
internal sealed class ResultJson
{
    private readonly ProbeResult _result;

    internal ResultJson(ProbeResult result) => _result = result;

    public string Check => _result.CheckId;

    public string Type => _result.Type;

    public string Target => _result.Target;

    public DateTimeOffset StartedAt => _result.StartedAt;

    /// <summary><c>up</c>, <c>degraded</c>, <c>down</c> or <c>unknown</c>.</summary>
    public string Status => ProbeResultJson.Name(_result.Status);

    public bool Success => _result.Success;

    [JsonConverter(typeof(MillisecondsJsonConverter))]
    public TimeSpan DurationMs => _result.Duration;

    public IReadOnlyList<PhaseTiming> PhasesMs => _result.Phases;

    public IReadOnlyDictionary<string, MeasurementValue> Measurements => _result.Measurements;

    /// <summary>The problem that decided the status, or null.</summary>
    public ProblemJson? Failure => _result.Failure is { } failure ? new(failure) : null;

    public IEnumerable<ProblemJson> Problems => _result.Problems.Select(p => new ProblemJson(p));

    public IEnumerable<FindingJson> Findings => _result.Findings.Select(f => new FindingJson(f));

    /// <summary>The probe's details, through their own contract, or null.</summary>
    [JsonConverter(typeof(EmbeddedDetailsJsonConverter<ProbeDetails>))]
    public ProbeDetails? Details => _result.Details;
}

/// <summary>A problem in JSON: layer, category, severity (<c>error</c> or <c>warning</c>), message, hint.</summary>
internal sealed class ProblemJson
{
    private readonly Problem _problem;

    internal ProblemJson(Problem problem) => _problem = problem;

    public string Layer => _problem.Layer;

    public string Category => _problem.Category;

    [JsonConverter(typeof(LowerCaseEnumJsonConverter<ProblemSeverity>))]
    public ProblemSeverity Severity => _problem.Severity;

    public string Message => _problem.Message;

    public string Hint => _problem.Hint;
}

/// <summary>A finding in JSON: id, severity (<c>info</c>, <c>warning</c>, <c>critical</c>), message, hint, and its evidence as one object.</summary>
internal sealed class FindingJson
{
    private readonly Finding _finding;

    internal FindingJson(Finding finding) => _finding = finding;

    public string Id => _finding.Id;

    [JsonConverter(typeof(LowerCaseEnumJsonConverter<FindingSeverity>))]
    public FindingSeverity Severity => _finding.Severity;

    public string Message => _finding.Message;

    public string Hint => _finding.Hint;

    [JsonConverter(typeof(EvidenceJsonConverter))]
    public IReadOnlyList<KeyValuePair<string, string>> Evidence => _finding.Evidence ?? [];
}

/// <summary>
/// A measurement's value: a number rounded to 3 decimals (or as its written form says: <c>1.0</c>), a text, or a
/// list of texts.
/// </summary>
internal sealed class MeasurementValueJsonConverter : WriteOnlyJsonConverter<MeasurementValue>
{
    public override void Write(Utf8JsonWriter writer, MeasurementValue value, JsonSerializerOptions options)
    {
        if (value.Written is { } written)
        {
            // A JSON number all the same (1.0 reads as 1), written as the measurement is named.
            writer.WriteRawValue(written);
        }
        else if (value.Number is { } n)
        {
            writer.WriteNumberValue(Math.Round(n, 3));
        }
        else if (value.Text is { } t)
        {
            writer.WriteStringValue(t);
        }
        else
        {
            writer.WriteStartArray();
            foreach (var item in value.Items ?? [])
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }
    }
}

/// <summary>A finding's evidence as one object of texts, in its order: <c>{"hop": "3"}</c>.</summary>
internal sealed class EvidenceJsonConverter : WriteOnlyJsonConverter<IReadOnlyList<KeyValuePair<string, string>>>
{
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, string>> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, text) in value)
        {
            writer.WriteString(key, text);
        }

        writer.WriteEndObject();
    }
}

/// <summary>
/// The JSON contract of the result, generated at build time: the whole result, and the pieces the results table
/// stores in their own columns (phases, measurements, problems, findings; the details have their own contracts).
/// </summary>
[JsonSerializable(typeof(ResultJson))]
[JsonSerializable(typeof(IReadOnlyList<PhaseTiming>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, MeasurementValue>))]
[JsonSerializable(typeof(IEnumerable<ProblemJson>))]
[JsonSerializable(typeof(IEnumerable<FindingJson>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(PhasesJsonConverter), typeof(MeasurementValueJsonConverter)])]
internal sealed partial class ResultJsonContext : JsonSerializerContext;
