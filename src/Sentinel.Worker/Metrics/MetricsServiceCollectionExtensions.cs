using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The meter every Sentinel instrument belongs to.</summary>
    public const string MeterName = "Sentinel";

    /// <summary>
    /// Registers the node's instruments on OpenTelemetry with its Prometheus exporter, and the per-check series that
    /// <c>/metrics</c> writes from the latest-result view (<see cref="MetricsEndpoint"/>). The exporter's scope labels
    /// (<c>otel_scope_*</c>) and <c>target_info</c> are off: the series carry exactly the labels the README lists.
    /// </summary>
    public static IServiceCollection AddSentinelMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>(configuration, MetricsOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IMeterFactory>().Create(MeterName));
        services.AddSingleton<CheckSeries>();
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<ProbeRunMetrics>();
        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(MeterName)
                .AddPrometheusExporter(exporter =>
                {
                    exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                    exporter.ScopeInfoEnabled = false;
                    exporter.TargetInfoEnabled = false;
                }));
        return services;
    }
}
