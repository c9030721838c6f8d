using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Api.Endpoints;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

internal static class ResultsServiceCollectionExtensions
{
    /// <summary>
    /// The result pipeline, the latest-result view, which keeps itself to the enabled checks
    /// (<see cref="LatestResultsSync"/>), and the live events of every node (<see cref="LiveEvents"/>); with <paramref name="writeToDatabase"/>, the writer that drains the pipeline.
    /// </summary>
    public static IServiceCollection AddSentinelResults(this IServiceCollection services, IConfiguration configuration, bool writeToDatabase)
    {
        services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(configuration, ResultOptions.Section);
        services.AddSingleton<LatestResults>();
        services.AddHostedService<LatestResultsSync>();
        services.AddSingleton<ResultPipeline>();
        services.AddSingleton<LiveEvents>();
        services.AddSingleton<IEventFeed>(sp => sp.GetRequiredService<LiveEvents>());
        if (writeToDatabase)
        {
            services.AddHostedService<ResultWriter>();
        }

        return services;
    }
}
