using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sentinel.Worker.Alerting;

internal static class AlertingServiceCollectionExtensions
{
    /// <summary>
    /// Alerting's configuration (<see cref="AlertingOptions"/>, validated here, so a bad setting stops the start-up
    /// with every problem named) and the policy over it, which every role reads (the file sync checks channel names).
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid.</exception>
    public static IServiceCollection AddSentinelAlerting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(AlertingConfiguration.Load(configuration)));
        services.AddSingleton<AlertPolicy>();
        return services;
    }
}
