using Microsoft.Extensions.DependencyInjection;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

internal static class ResultsServiceCollectionExtensions
{
    /// <summary>The result pipeline and latest-result view; with <paramref name="writeToDatabase"/>, the writer that drains it.</summary>
    public static IServiceCollection AddSentinelResults(this IServiceCollection services, bool writeToDatabase)
    {
        services.AddOptions<ResultOptions>().BindConfiguration(ResultOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ResultOptions>, ResultOptionsValidator>();
        services.AddSingleton<LatestResults>();
        services.AddSingleton<ResultPipeline>();
        if (writeToDatabase)
        {
            services.AddHostedService<ResultWriter>();
        }

        return services;
    }
}
