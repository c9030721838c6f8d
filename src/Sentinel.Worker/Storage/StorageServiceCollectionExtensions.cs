using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sentinel.Api.Endpoints;
using Sentinel.Probes.Probing;

namespace Sentinel.Worker.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// PostgreSQL: the data source, migrations applied at start-up (<see cref="DatabaseStartup"/>), readiness,
    /// the checks table and probe state.
    /// </summary>
    public static IServiceCollection AddSentinelStorage(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(new DatabaseOptions { ConnectionString = connectionString });
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<DatabaseState>();
        services.AddSingleton<Migrations>();
        services.AddSingleton<CheckStore>();
        services.AddSingleton<ICheckStateStore, PostgresCheckStateStore>();
        services.AddSingleton<IReadinessProbe, DatabaseReadiness>();
        services.AddHostedService<DatabaseStartup>();
        return services;
    }
}
