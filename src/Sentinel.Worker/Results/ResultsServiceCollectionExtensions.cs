using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

internal static class ResultsServiceCollectionExtensions
{
    /// <summary>
    /// The result pipeline and the latest-result view, which keeps itself to the enabled checks
    /// (<see cref="LatestResultsSync"/>); with <paramref name="writeToDatabase"/>, the writer that drains the pipeline.
    /// </summary>
    public static IServiceCollection AddSentinelResults(this IServiceCollection services, IConfiguration configuration, bool writeToDatabase)
    {
        services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(configuration, ResultOptions.Section);
        services.AddSingleton<LatestResults>();
        services.AddHostedService<LatestResultsSync>();
        services.AddSingleton<ResultPipeline>();
        if (writeToDatabase)
        {
            services.AddHostedService<ResultWriter>();
        }

        return services;
    }
}
