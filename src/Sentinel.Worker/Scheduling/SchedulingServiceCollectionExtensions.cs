using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Worker.Hosting;

namespace Sentinel.Worker.Scheduling;

internal static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Quartz (in-memory store), the probes, and the scheduler that keeps one job per enabled check. The
    /// <paramref name="options"/> are bound and registered by the host, since every role reads them.
    /// </summary>
    public static IServiceCollection AddSentinelScheduling(this IServiceCollection services, SchedulingOptions options)
    {
        services.AddSingleton(sp => new ProbeContext
        {
            Time = sp.GetRequiredService<TimeProvider>(),
            State = sp.GetRequiredService<ICheckStateStore>(),
            Node = sp.GetRequiredService<IOptions<NodeOptions>>().Value.Name,
        });
        services.AddSingleton(sp =>
        {
            var log = sp.GetRequiredService<ILogger<ProbeRunner>>();
            return new ProbeRunner(sp.GetRequiredService<ProbeTypes>(), sp.GetRequiredService<ProbeContext>(),
                (check, ex) => Log.ProbeCrashed(log, ex, check.Type, check.Id));
        });
        services.AddSingleton<CheckRegistry>();
        services.AddHostedService<CheckScheduler>();
        services.AddQuartz(quartz =>
        {
            quartz.UseInMemoryStore();
            quartz.UseDefaultThreadPool(options.MaxConcurrency);
        });
        services.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
        return services;
    }
}
