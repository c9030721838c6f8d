using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Api.Endpoints;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Alerting;

internal static class AlertingServiceCollectionExtensions
{
    /// <summary>
    /// Alerting's configuration (<see cref="AlertingOptions"/>, validated here, so a bad setting stops the start-up
    /// with every problem named) and the policy over it, which every role reads (the file sync checks channel names).
    /// </summary>
    /// <remarks>
    /// With <paramref name="evaluate"/> (nodes that probe), the evaluator that follows the result pipeline
    /// (<see cref="IResultConsumer"/>) and keeps the alert state, and the sender that drains the outbox. Registered before the results, it starts before them
    /// and stops after the scheduler, so that the last results are evaluated.
    /// </remarks>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static IServiceCollection AddSentinelAlerting(this IServiceCollection services, IConfiguration configuration, bool evaluate)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(AlertingConfiguration.Load(configuration)));
        services.AddSingleton<AlertPolicy>();
        // Its statements keep nothing in the session: its connections skip the reset (DatabaseConnection.StatementSource).
        services.AddSingleton(sp => new AlertStore(sp.GetRequiredService<DatabaseConnection>().StatementSource));
        services.AddSingleton<IAlertStore>(sp => sp.GetRequiredService<AlertStore>());
        if (evaluate)
        {
            services.AddSingleton<AlertEvaluator>();
            services.AddSingleton<IResultConsumer>(sp => sp.GetRequiredService<AlertEvaluator>());
            services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());
            services.AddSingleton<OutboxSignal>();
            services.AddSingleton<OutboxStore>();
            services.AddSingleton<NotificationChannels>();
            services.AddSingleton(OutboxTimings.Default);
            services.AddHostedService<OutboxSender>();
        }

        return services;
    }
}
