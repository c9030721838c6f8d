using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Sentinel.Worker.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The meter every Sentinel instrument belongs to.</summary>
    public const string MeterName = "Sentinel";

    /// <summary>
    /// Registers Sentinel's instruments and the OpenTelemetry Prometheus exporter. Per-check series come from
    /// observable instruments, so the cardinality limit is raised far above OpenTelemetry's default of 2,000
    /// points per metric, which 10,000 checks would otherwise hit silently.
    /// </summary>
    public static IServiceCollection AddSentinelMetrics(this IServiceCollection services, string nodeName)
    {
        services.AddSingleton(sp => sp.GetRequiredService<IMeterFactory>().Create(MeterName));
        services.AddSingleton<CheckMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("sentinel", serviceInstanceId: nodeName))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterName)
                .AddView(instrument => instrument.Meter.Name == MeterName
                    // OpenTelemetry reserves the whole limit up front (about 72 bytes a point): 1,000,000 cost 72 MB per
                    // instrument, over 2 GB once the http and tls series were added. 10,000 checks times 10 series.
                    ? new MetricStreamConfiguration { CardinalityLimit = 100_000 }
                    : null)
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
