using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sentinel.Api.Endpoints;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Results;

internal static class ResultsServiceCollectionExtensions
{
    /// <summary>
    /// The result pipeline with the writer's buffer, the latest-result view, which restores itself from
    /// <c>check_latest</c> and keeps itself to the enabled checks (<see cref="LatestResultsSync"/>), and the live events
    /// of every node (<see cref="LiveEvents"/>); with <paramref name="writeToDatabase"/>, the writer that drains the
    /// buffer into PostgreSQL or the spill file, whose directory defaults to <c>spill</c> beside the embedded cluster's
    /// data directory of <paramref name="database"/>. With <paramref name="othersRunChecks"/> (a node of role <c>api</c>, or
    /// a <c>worker</c> of a cluster), the view also follows what the other nodes stored (<see cref="StoredLatestRefresh"/>).
    /// </summary>
    public static IServiceCollection AddSentinelResults(this IServiceCollection services, IConfiguration configuration, DatabaseConnection database, bool writeToDatabase, bool othersRunChecks)
    {
        var options = services.AddValidatedOptions<ResultOptions, ResultOptionsValidator>(configuration, ResultOptions.Section);
        services.AddSingleton<LatestResults>();
        services.AddHostedService<LatestResultsSync>();
        if (othersRunChecks)
        {
            services.AddHostedService<StoredLatestRefresh>();
        }

        services.AddSingleton<ResultBuffer>();
        services.AddSingleton<ResultPipeline>();
        services.AddSingleton<LiveEvents>();
        services.AddSingleton<IEventFeed>(sp => sp.GetRequiredService<LiveEvents>());
        if (writeToDatabase)
        {
            var directory = options.SpillDirectoryBeside(database.EmbeddedDataDirectory);
            services.AddSingleton(sp => new ResultSpill(directory, options.SpillMaxBytes, sp.GetRequiredService<ILogger<ResultSpill>>()));
            services.AddHostedService<ResultWriter>();
        }

        return services;
    }
}
