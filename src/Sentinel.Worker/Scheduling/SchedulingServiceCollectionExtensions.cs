using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Scheduling;

internal static class SchedulingServiceCollectionExtensions
{
    /// <summary>How early a clustered node may start a fire, to run it in one batch with fires due just before it.</summary>
    internal static readonly TimeSpan FireAhead = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How late a fire may start before it is skipped to the check's next interval rather than run late (the node was
    /// busy, the database away, the node that held it died): a late probe measures the wrong moment, and a trigger a dead
    /// node held would otherwise catch up fire after fire. One second, the shortest interval a check may have; the same
    /// in memory and in the clustered store.
    /// </summary>
    internal static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(1);

    /// <summary>The most PostgreSQL connections a clustered node's scheduler holds.</summary>
    internal const int QuartzConnections = 16;

    /// <summary>
    /// How many statements each of the scheduler's connections keeps prepared: more than the result writer's, since the
    /// clustered store's acquire, fire, completion and check-in statements all run again and again.
    /// </summary>
    internal const int QuartzPreparedStatements = 64;

    /// <summary>
    /// Quartz, the probes, and the scheduler that keeps one job per enabled check. The <paramref name="options"/> are
    /// bound and registered by the host, since every role reads them.
    /// </summary>
    /// <remarks>
    /// <para>
    /// With <paramref name="clustered"/> (role <c>worker</c>), Quartz keeps its schedule in the <paramref name="database"/>
    /// in its clustered ADO.NET store, shared by every worker node: every fire of a check runs on exactly one node, and a
    /// node that stops checking in for <see cref="SchedulingOptions.CheckinInterval"/> plus
    /// <see cref="SchedulingOptions.CheckinMisfireThreshold"/> is taken for dead and its checks move to the others.
    /// Quartz creates its own <c>qrtz_*</c> tables when they are missing (schema provisioning, safe when several nodes
    /// start at once). Firing needs the database: while it is away the cluster fires nothing, and picks up at the
    /// next fire of each check once it is back.
    /// </para>
    /// <para>
    /// Otherwise (the single-process default, role <c>all</c>) the schedule is in memory: the one node needs no
    /// arbitration, and it keeps probing while PostgreSQL is away, its results spilled to disk and replayed, which a
    /// clustered store cannot do.
    /// </para>
    /// <para>
    /// The scheduler starts once the database is ready (<see cref="CheckScheduler"/>), not with the host, so that a
    /// node whose database is away still starts and says why on <c>/readyz</c>.
    /// </para>
    /// </remarks>
    public static IServiceCollection AddSentinelScheduling(this IServiceCollection services, SchedulingOptions options, DatabaseConnection database, bool clustered)
    {
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
        services.AddSingleton(new SchedulingMode(clustered));
        services.AddSingleton<CheckScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<CheckScheduler>());
        services.AddQuartz(quartz =>
        {
            quartz.UseDefaultThreadPool(options.MaxConcurrency);
            quartz.ConfigureScheduler(scheduler =>
            {
                // Every node of the cluster is one instance of the same scheduler.
                scheduler.InstanceName = "sentinel";

                // Acquire due triggers in batches, so that a node keeps up with hundreds of fires a second with one
                // round trip per batch rather than per fire. A batch fires at its first trigger's time, so the window
                // ahead is how early a fire may start: kept small, since a run's start is what it measures at.
                scheduler.MaxBatchSize = Math.Min(options.MaxConcurrency, 100);
                scheduler.BatchTriggerAcquisitionFireAheadTimeWindow = FireAhead;
            });
            if (!clustered)
            {
                quartz.UseInMemoryStore(store => store.MisfireThreshold = MisfireThreshold);
                return;
            }

            quartz.UsePersistentStore(store =>
            {
                // A pool of its own, bounded: every fire and completion is a short transaction, and at hundreds a
                // second a pool shared with the result writer and the probes' state grew to PostgreSQL's connection
                // limit, so that with two nodes on one server both were refused connections.
                // Its statements are prepared as the result writer's are (Storage/DatabaseConnection): a fire runs the
                // same dozen statements every time, and parsing and planning each again was most of PostgreSQL's work.
                // Quartz keeps no session state (its locks are rows, its work transactions), so a connection goes back
                // to the pool without the session reset that would otherwise run with the next fire's first statement.
                store.UsePostgres(source => source.DataSourceFactory = _ => NpgsqlDataSource.Create(DatabaseConnection.WithoutSessionReset(DatabaseConnection.WithAutoPrepare(
                    new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = QuartzConnections }.ConnectionString, QuartzPreparedStatements))));
                store.UseSystemTextJsonSerializer();
                store.UseClustering(cluster =>
                {
                    cluster.CheckinInterval = options.CheckinInterval;
                    cluster.CheckinMisfireThreshold = options.CheckinMisfireThreshold;
                });
                store.ProvisionSchema();
                store.ConfigureStore(ado =>
                {
                    ado.MisfireThreshold = MisfireThreshold;
                    ado.DbRetryInterval = TimeSpan.FromSeconds(2);
                });
            });
        });

        // The scheduler is built with the host but started by CheckScheduler once the database is ready; the hosted
        // service still shuts it down, letting running probes finish so that their results are written.
        services.AddQuartzHostedService(hosted =>
        {
            hosted.AutoStart = false;
            hosted.WaitForJobsToComplete = true;
        });
        return services;
    }
}
