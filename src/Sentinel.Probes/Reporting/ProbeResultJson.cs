using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Reporting;

/// <summary>
/// The JSON form of a result, with stable field names: what <c>sentinel probe --json</c> prints and, piece by
/// piece, what the results table stores. Durations are milliseconds; enums are lower-case strings.
/// </summary>
/// <remarks>
/// Written with System.Text.Json from source-generated contracts, as the details and the stored state are: the
/// result's members through <see cref="ResultJsonContext"/> (<see cref="ResultJson"/> and the converters beside it),
/// the details through their own type's contract (<see cref="ProbeDetails.JsonTypeInfo"/>), so that this core
/// writes any probe's details without knowing their type. Non-ASCII text is written as is (the relaxed encoder):
/// the table's JSONB and people read it.
/// </remarks>
public static class ProbeResultJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The whole result as one JSON object.</summary>
    public static string Serialize(ProbeResult result, bool indented = false) =>
        Write(new ResultJson(result), ResultJsonContext.Default.ResultJson, indented);

    /// <summary>The phases as <c>{"resolve": 1.2, …}</c>, in milliseconds.</summary>
    public static string Phases(ProbeResult result) => Write(result.Phases, ResultJsonContext.Default.IReadOnlyListPhaseTiming);

    /// <summary>The measurements as one object.</summary>
    public static string Measurements(ProbeResult result) =>
        Write(result.Measurements, ResultJsonContext.Default.IReadOnlyDictionaryStringMeasurementValue);

    /// <summary>The problems as an array.</summary>
    public static string Problems(ProbeResult result) => Write(new ResultJson(result).Problems, ResultJsonContext.Default.IEnumerableProblemJson);

    /// <summary>The findings as an array.</summary>
    public static string Findings(ProbeResult result) => Write(new ResultJson(result).Findings, ResultJsonContext.Default.IEnumerableFindingJson);

    /// <summary>The details as an object, or null.</summary>
    public static string? Details(ProbeResult result) => result.Details is { } d ? Write(d, d.JsonTypeInfo) : null;

    /// <summary>The lower-case name of a status: up, degraded, down, unknown.</summary>
    public static string Name(ProbeStatus status) => status switch
    {
        ProbeStatus.Up => "up",
        ProbeStatus.Degraded => "degraded",
        ProbeStatus.Down => "down",
        _ => "unknown",
    };

    private static string Write<T>(T value, JsonTypeInfo<T> contract, bool indented = false) => Write(value, (JsonTypeInfo)contract, indented);

    private static string Write(object? value, JsonTypeInfo contract, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions with { Indented = indented }))
        {
            JsonSerializer.Serialize(writer, value, contract);
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
