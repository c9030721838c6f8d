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
                    ? new MetricStreamConfiguration { CardinalityLimit = 1_000_000 }
                    : null)
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
