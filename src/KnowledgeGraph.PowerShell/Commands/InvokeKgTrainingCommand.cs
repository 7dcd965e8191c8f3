using System.Management.Automation;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Identifiers;
using KnowledgeGraph.PowerShell.Arguments;
using KnowledgeGraph.Training;

namespace KnowledgeGraph.PowerShell.Commands;

/// <summary>Invoke-KgTraining: trains a classifier for a concept, evaluates it on the concept's labelled passages and
/// stores it (model, run record, evaluation) as a new version in the environment's store.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "KgTraining", SupportsShouldProcess = true)]
[OutputType(typeof(TrainingResult))]
public sealed class InvokeKgTrainingCommand : KgCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateWikibaseId]
    [ArgumentCompleter(typeof(WikibaseIdCompleter))]
    public string[] WikibaseId { get; set; } = [];

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [KgEnvironmentTransformation]
    public KgEnvironment Environment { get; set; }

    [Parameter]
    public ClassifierType ClassifierType { get; set; } = ClassifierType.Keyword;

    [Parameter]
    public SwitchParameter NoEvaluate { get; set; }

    /// <summary>Keep the model in a local folder (-OutputPath) instead of the environment's store.</summary>
    [Parameter]
    public SwitchParameter LocalOnly { get; set; }

    [Parameter]
    public string? OutputPath { get; set; }

    [Parameter]
    public string? ConceptPath { get; set; }

    protected override void ProcessRecord()
    {
        var service = Trainers.Service;
        foreach (var text in WikibaseId)
        {
            var id = Identifiers.WikibaseId.Parse(text);
            try
            {
                var concept = ConceptSource.Resolve(ResolveOptionalPath(ConceptPath)).Get(id);
                var request = new TrainingRequest { Concept = concept, Type = ClassifierType, Environment = Environment, Evaluate = !NoEvaluate };
                if (LocalOnly)
                {
                    var folder = ResolveOptionalPath(OutputPath) ?? Path.Combine(KgPaths.Home, "local-models");
                    if (ShouldProcess($"{id} ({ClassifierType}) in the local folder {folder}", "Train and store without registering"))
                    {
                        WriteObject(RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, null, folder, p, ct)));
                    }
                    continue;
                }
                var store = StoreFor(Environment);
                if (ShouldProcess($"{id} ({ClassifierType}) in {Environment.Name()} ({store.Objects.Location})", "Train and store a new version"))
                {
                    WriteObject(RunWithProgress($"Training {id}", (p, ct) => service.TrainAsync(request, store, null, p, ct)));
                }
            }
            catch (KgException e)
            {
                WriteKgError(e, text);
            }
        }
    }
}
