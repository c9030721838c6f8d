using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Reporting;

/// <summary>
/// The JSON form of a result, with stable field names: what <c>sentinel probe --json</c> prints and, piece by
/// piece, what the results table stores. Durations are milliseconds; enums are lower-case strings.
/// </summary>
public static class ProbeResultJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The whole result as one JSON object.</summary>
    public static string Serialize(ProbeResult result, bool indented = false) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("check", result.CheckId);
        w.WriteString("type", result.Type);
        w.WriteString("target", result.Target);
        w.WriteString("startedAt", result.StartedAt);
        w.WriteString("status", Name(result.Status));
        w.WriteBoolean("success", result.Success);
        w.WriteNumber("durationMs", Ms(result.Duration));
        w.WritePropertyName("phasesMs");
        WritePhases(w, result);
        w.WritePropertyName("measurements");
        WriteMeasurements(w, result);
        w.WritePropertyName("failure");
        if (result.Failure is { } failure)
        {
            WriteProblem(w, failure);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WritePropertyName("problems");
        WriteProblems(w, result);
        w.WritePropertyName("findings");
        WriteFindings(w, result);
        w.WritePropertyName("details");
        if (result.Details is { } details)
        {
            details.WriteJson(w);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteEndObject();
    }, indented);

    /// <summary>The phases as <c>{"resolve": 1.2, …}</c>, in milliseconds.</summary>
    public static string Phases(ProbeResult result) => Write(w => WritePhases(w, result));

    /// <summary>The measurements as one object.</summary>
    public static string Measurements(ProbeResult result) => Write(w => WriteMeasurements(w, result));

    /// <summary>The problems as an array.</summary>
    public static string Problems(ProbeResult result) => Write(w => WriteProblems(w, result));

    /// <summary>The findings as an array.</summary>
    public static string Findings(ProbeResult result) => Write(w => WriteFindings(w, result));

    /// <summary>The details as an object, or null.</summary>
    public static string? Details(ProbeResult result) => result.Details is { } d ? Write(d.WriteJson) : null;

    /// <summary>The lower-case name of a status: up, degraded, down, unknown.</summary>
    public static string Name(ProbeStatus status) => status switch
    {
        ProbeStatus.Up => "up",
        ProbeStatus.Degraded => "degraded",
        ProbeStatus.Down => "down",
        _ => "unknown",
    };

    private static double Ms(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 3);

    private static void WritePhases(Utf8JsonWriter w, ProbeResult result)
    {
        w.WriteStartObject();
        foreach (var phase in result.Phases)
        {
            w.WriteNumber(phase.Name, Ms(phase.Duration));
        }

        w.WriteEndObject();
    }

    private static void WriteMeasurements(Utf8JsonWriter w, ProbeResult result)
    {
        w.WriteStartObject();
        foreach (var (name, value) in result.Measurements)
        {
            w.WritePropertyName(name);
            if (value.Written is { } written)
            {
                // A JSON number all the same (1.0 reads as 1), written as the measurement is named.
                w.WriteRawValue(written);
            }
            else if (value.Number is { } n)
            {
                w.WriteNumberValue(Math.Round(n, 3));
            }
            else if (value.Text is { } t)
            {
                w.WriteStringValue(t);
            }
            else
            {
                w.WriteStartArray();
                foreach (var item in value.Items ?? [])
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
            }
        }

        w.WriteEndObject();
    }

    private static void WriteProblems(Utf8JsonWriter w, ProbeResult result)
    {
        w.WriteStartArray();
        foreach (var problem in result.Problems)
        {
            WriteProblem(w, problem);
        }

        w.WriteEndArray();
    }

    private static void WriteProblem(Utf8JsonWriter w, Problem problem)
    {
        w.WriteStartObject();
        w.WriteString("layer", problem.Layer);
        w.WriteString("category", problem.Category);
        w.WriteString("severity", problem.Severity == ProblemSeverity.Error ? "error" : "warning");
        w.WriteString("message", problem.Message);
        w.WriteString("hint", problem.Hint);
        w.WriteEndObject();
    }

    private static void WriteFindings(Utf8JsonWriter w, ProbeResult result)
    {
        w.WriteStartArray();
        foreach (var finding in result.Findings)
        {
            w.WriteStartObject();
            w.WriteString("id", finding.Id);
            w.WriteString("severity", finding.Severity.ToString().ToLowerInvariant());
            w.WriteString("message", finding.Message);
            w.WriteString("hint", finding.Hint);
            w.WriteStartObject("evidence");
            foreach (var (key, value) in finding.Evidence ?? [])
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> write, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions with { Indented = indented }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
