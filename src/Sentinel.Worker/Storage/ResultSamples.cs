using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

/// <summary>
/// A result's probe-declared series as <c>check_latest.samples</c> stores them, so that a restarted node (or a node that
/// ran nothing) can export the same series from the stored latest results: <c>[{"metric", "value", "labels"}]</c>.
/// </summary>
internal static class ResultSamples
{
    /// <summary>The samples of <paramref name="result"/> as JSON.</summary>
    public static string Json(ProbeResult result) =>
        JsonSerializer.Serialize(result.Samples.Select(s => new StoredSample(s.Metric.Name, s.Value, s.Labels)).ToArray(), StoredSampleJson.Default.StoredSampleArray);
}

/// <summary>One stored sample: the metric's name, its value in the base unit, its extra label values in order.</summary>
internal sealed record StoredSample(string Metric, double Value, IReadOnlyList<string> Labels);

// Named floating-point literals: a NaN or infinite sample is stored as a string rather than failing its batch.
[JsonSerializable(typeof(StoredSample[]))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
internal sealed partial class StoredSampleJson : JsonSerializerContext;
