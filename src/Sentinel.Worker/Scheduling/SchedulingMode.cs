namespace Sentinel.Worker.Scheduling;

/// <summary>
/// Where the schedule is: in this process's memory (role <c>all</c>), or shared by the worker nodes in Quartz's clustered
/// store (role <c>worker</c>).
/// </summary>
/// <param name="Clustered">
/// Whether the schedule is in the clustered store. Its jobs then allow concurrent execution as far as Quartz is
/// concerned: a job that disallows it makes every firing round take the cluster-wide trigger lock and write its blocked
/// state, which caps a cluster's fires per second, while a check's timeout is below its interval, so runs of one
/// check do not overlap anyway; each node still never starts a check that it is running already.
/// </param>
internal sealed record SchedulingMode(bool Clustered);
