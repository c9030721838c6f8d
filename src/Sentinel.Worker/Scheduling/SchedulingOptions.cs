using System.ComponentModel.DataAnnotations;

namespace Sentinel.Worker.Scheduling;

/// <summary>The scheduler (section <c>Sentinel:Scheduling</c>).</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Sentinel:Scheduling";

    /// <summary>
    /// How many checks may run at once on this node. Probes mostly wait on the network, so this is far above
    /// the core count. Default 256; 1 to 10,000.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "Sentinel:Scheduling:MaxConcurrency must be from 1 to 10000")]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>How often the schedule is compared with the database even without a change signal. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sentinel:Scheduling:ReconcileInterval must be from 00:00:01 to 01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often this node records in Quartz's cluster table that it is alive. A node silent for this plus
    /// <see cref="CheckinMisfireThreshold"/> is taken for dead, and the others take over its checks. Default 15 s;
    /// 1 s to 10 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Sentinel:Scheduling:CheckinInterval must be from 00:00:01 to 00:10:00")]
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long past a missed check-in the other nodes wait before taking over this node's checks: above the
    /// longest pause a live node may have (a garbage collection, a database failover), so that a slow node is not
    /// written off while it still runs its checks. Default 5 s; 0.5 s to 10 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00", ErrorMessage = "Sentinel:Scheduling:CheckinMisfireThreshold must be from 00:00:00.500 to 00:10:00")]
    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(5);
}
