using System.Diagnostics.Metrics;
using System.Reflection;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Results;

namespace Sentinel.Worker.Metrics;

/// <summary>
/// The node's own gauges, on OpenTelemetry beside the storage (<see cref="Storage.ResultStorageMetrics"/>) and scheduling
/// instruments: they carry no check labels, so Prometheus gives them the scrape's own <c>job</c> and <c>instance</c>.
/// </summary>
internal sealed class NodeMetrics
{
    public NodeMetrics(Meter meter, LatestResults latest, CheckFileStatus files)
    {
        var version = typeof(NodeMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        meter.CreateObservableGauge("sentinel_build_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", version)),
            description: "The version of Sentinel this node runs; always 1.");
        meter.CreateObservableGauge("sentinel_checks_scheduled", () => new Measurement<int>(latest.Views.Count()),
            description: "Checks with at least one result on this node.");
        meter.CreateObservableGauge("sentinel_check_files", () => new[]
        {
            new Measurement<int>(files.ValidFiles, new KeyValuePair<string, object?>("state", "valid")),
            new Measurement<int>(files.InvalidFiles, new KeyValuePair<string, object?>("state", "invalid")),
        }, description: "Check files in the checks folder at the last sync, by state.");
    }
}
