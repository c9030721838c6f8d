using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

internal static class ResultsServiceCollectionExtensions
{
    /// <summary>The result pipeline and latest-result view; with <paramref name="writeToDatabase"/>, the writer that drains it.</summary>
    public static IServiceCollection AddSentinelResults(this IServiceCollection services, IConfiguration configuration, bool writeToDatabase)
    {
        services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(configuration, ResultOptions.Section);
        services.AddSingleton<LatestResults>();
        services.AddSingleton<ResultPipeline>();
        if (writeToDatabase)
        {
            services.AddHostedService<ResultWriter>();
        }

        return services;
    }
}
