using System.Globalization;
using k8s;
using k8s.Models;
using KnowledgeGraph.Batches;

namespace KnowledgeGraph.Infrastructure.Kubernetes;

/// <summary>A batch as a Kubernetes Job (batch/v1) in Indexed completion mode: one pod per task, each told its task
/// number by <c>JOB_COMPLETION_INDEX</c>; a failed index is retried <see cref="JobDefinitionRequest.Retries"/> times on its
/// own (<c>backoffLimitPerIndex</c>) and never fails the others (<c>maxFailedIndexes</c> = all of them). The container's
/// arguments follow the image's entry point (pwsh), as a Slurm task's do.</summary>
internal sealed class KubernetesJobWriter : IKubernetesJobWriter
{
    public const string ContainerName = "train";
    public const string GpuResource = "nvidia.com/gpu";

    public string Write(JobDefinitionRequest request) => KubernetesYaml.Serialize(Build(request));

    public static V1Job Build(JobDefinitionRequest r)
    {
        var labels = r.Labels.ToDictionary();
        var memory = new ResourceQuantity(r.MemoryMiB.ToString(CultureInfo.InvariantCulture) + "Mi");
        var limits = new Dictionary<string, ResourceQuantity> { ["memory"] = memory };
        if (r.Gpu)
        {
            limits[GpuResource] = new ResourceQuantity("1");
        }
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = r.Name, Labels = labels },
            Spec = new V1JobSpec
            {
                CompletionMode = "Indexed",
                Completions = r.Count,
                Parallelism = Math.Min(r.Count, r.Parallelism ?? r.Count),
                BackoffLimitPerIndex = r.Retries,
                MaxFailedIndexes = r.Count,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        ActiveDeadlineSeconds = r.TimeLimit is { } limit ? Math.Max(1, (long)Math.Ceiling(limit.TotalSeconds)) : null,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = ContainerName,
                                Image = r.Image,
                                Args = [.. r.Launch.ContainerArguments],
                                Env = r.Launch.Variables.Select(v => new V1EnvVar { Name = v.Key, Value = v.Value }).ToList(),
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity>
                                    {
                                        ["cpu"] = new ResourceQuantity(r.CpuCount.ToString(CultureInfo.InvariantCulture)),
                                        ["memory"] = memory,
                                    },
                                    Limits = limits,
                                },
                            },
                        ],
                    },
                },
            },
        };
    }
}
