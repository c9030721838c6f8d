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
    /// <summary>Quartz (in-memory store), the probes, and the scheduler that keeps one job per enabled check.</summary>
    public static IServiceCollection AddSentinelScheduling(this IServiceCollection services, SchedulingOptions options)
    {
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SchedulingOptions>, SchedulingOptionsValidator>();
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
        services.AddSingleton<CheckChanges>();
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
