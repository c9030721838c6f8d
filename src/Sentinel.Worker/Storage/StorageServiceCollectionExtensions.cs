using Microsoft.Extensions.DependencyInjection;
using Sentinel.Api.Auth;
using Sentinel.Api.Endpoints;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// PostgreSQL: the <paramref name="database"/> with its lifetime owned by the host (<see cref="DatabaseLifetime"/>,
    /// registered first so that the database is there before anything that needs it), migrations applied at start-up
    /// (<see cref="DatabaseStartup"/>), readiness (the database's, and whether results can be written), the checks table
    /// with its change signal (heard from other nodes through LISTEN), each check's latest stored result, API keys, and
    /// probe state.
    /// </summary>
    public static IServiceCollection AddSentinelStorage(this IServiceCollection services, DatabaseConnection database)
    {
        services.AddSingleton(database);
        services.AddSingleton(database.DataSource);
        services.AddHostedService<DatabaseLifetime>();
        services.AddSingleton<DatabaseState>();
        services.AddSingleton<Migrations>();
        services.AddSingleton<CheckStore>();
        services.AddSingleton<ICheckStore>(sp => sp.GetRequiredService<CheckStore>());
        services.AddSingleton<CheckChanges>();
        services.AddSingleton<NotificationListener>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationListener>());
        services.AddSingleton<IApiKeyStore, ApiKeyStore>();
        services.AddSingleton<ICheckStateStore, PostgresCheckStateStore>();
        services.AddSingleton<CheckLatestStore>();
        services.AddSingleton<ResultStorageState>();
        services.AddSingleton<IReadinessProbe, DatabaseReadiness>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }
}
