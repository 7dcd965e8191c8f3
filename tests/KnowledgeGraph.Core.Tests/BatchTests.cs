using System.Text.Json;
using KnowledgeGraph.Batches;
using KnowledgeGraph.Classification;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Configuration;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Storage;
using KnowledgeGraph.Training;
using Xunit;

namespace KnowledgeGraph.Tests;

public sealed class SlurmSchedulerTests
{
    private static readonly SubmittedArray Job = new("Slurm", "42", 4, "/logs");

    [Fact]
    public void Reads_each_task_state_from_scontrol_oneliner_output_including_pending_groups()
    {
        const string output =
            "JobId=43 ArrayJobId=42 ArrayTaskId=0 JobName=kg JobState=COMPLETED Reason=None Dependency=(null) ExitCode=0:0 NodeList=vm\n" +
            "JobId=44 ArrayJobId=42 ArrayTaskId=1 JobName=kg JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 NodeList=vm\n" +
            "JobId=45 ArrayJobId=42 ArrayTaskId=2 JobName=kg JobState=FAILED Reason=None ExitCode=0:9 NodeList=node-2\n" +
            "JobId=42 ArrayJobId=42 ArrayTaskId=3-7%2 JobName=kg JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 NodeList=(null)\n";
        var tasks = SlurmScheduler.ParseJobs(output, Job);
        Assert.Equal([0, 1, 2, 3], tasks.Select(t => t.Index));   // indexes beyond the batch are ignored
        Assert.Equal(TaskState.Completed, tasks[0].State);
        Assert.Equal((TaskState.Failed, 3, (int?)null), (tasks[1].State, tasks[1].ExitCode!.Value, tasks[1].Signal));
        Assert.Equal((9, "node-2"), (tasks[2].Signal!.Value, tasks[2].Node!));
        Assert.Equal((TaskState.Pending, "JobArrayTaskLimit", (string?)null), (tasks[3].State, tasks[3].Reason!, tasks[3].Node));
        Assert.Equal("/logs/42_1.log", tasks[1].LogPath);
    }

    [Fact]
    public void A_task_ended_at_its_time_limit_is_timed_out_not_killed()
    {
        // As Slurm 22.05 shows it: the limit is enforced with SIGTERM, so the exit code carries signal 15.
        const string output = "JobId=43 ArrayJobId=42 ArrayTaskId=0 JobName=kg JobState=TIMEOUT Reason=TimeLimit Dependency=(null) ExitCode=0:15 RunTime=00:01:22 TimeLimit=00:01:00 NodeList=vm\n";
        var task = Assert.Single(SlurmScheduler.ParseJobs(output, Job));
        Assert.Equal(15, task.Signal);
        var batch = new TrainingBatch
        {
            Id = "b", Environment = KgEnvironment.Labs, Type = ClassifierType.Keyword, WikibaseIds = ["Q9001"],
            CreatedAt = DateTimeOffset.UnixEpoch, CreatedBy = Actor.Current,
        };
        var e = BatchMonitor.FromScheduler(batch, 0, task);
        Assert.Equal(("TaskTimedOut", KgErrorKind.LimitsExceeded), (e.ErrorId, e.Kind));
        Assert.Contains("Training Q9001 reached its time limit on vm", e.Message);
    }

    [Theory]
    [InlineData("7", new[] { 7 })]
    [InlineData("0-3%2", new[] { 0, 1, 2, 3 })]
    [InlineData("1,3-5", new[] { 1, 3, 4, 5 })]
    public void Expands_array_task_ids(string text, int[] expected) => Assert.Equal(expected, SlurmScheduler.ExpandIndexes(text));

    [Theory]
    [InlineData("COMPLETED", TaskState.Completed)]
    [InlineData("TIMEOUT", TaskState.Failed)]
    [InlineData("OUT_OF_MEMORY", TaskState.Failed)]
    [InlineData("CANCELLED", TaskState.Cancelled)]
    [InlineData("COMPLETING", TaskState.Running)]
    [InlineData("REQUEUED", TaskState.Pending)]
    public void Maps_slurm_states(string slurm, TaskState expected) => Assert.Equal(expected, SlurmScheduler.StateOf(slurm));

    [Fact]
    public void Submits_one_array_with_throttle_partition_gres_and_time_limit()
    {
        var arguments = SlurmScheduler.SubmitArguments(new ArraySubmission
        {
            Name = "kg-labs-x", Script = "", Count = 12, Folder = "/logs", Partition = "gpu", Gres = "gpu:1",
            TimeLimit = TimeSpan.FromHours(26.5), Throttle = 3,
        }, "/logs/kg-labs-x.sh");
        Assert.Equal(["--parsable", "--job-name=kg-labs-x", "--array=0-11%3", "--output=/logs/%A_%a.log", "--open-mode=append", "--chdir=/logs",
            "--partition=gpu", "--gres=gpu:1", "--time=1-02:30:00", "/logs/kg-labs-x.sh"], arguments);
    }
}

public sealed class TaskLaunchTests
{
    private static readonly EnvironmentConfiguration S3Store = new()
    {
        Environment = KgEnvironment.Labs,
        Store = StoreLocation.Parse("s3://bucket/labs"),
        StoreSource = "test",
        EndpointUrl = "http://127.0.0.1:9000",
        ProfileName = "it's",
        ForcePathStyle = true,
    };

    [Fact]
    public void A_slurm_script_without_an_image_runs_the_installed_module_with_the_stores_variables_quoted()
    {
        var launch = new TaskLaunch("20261130T074500Z-3f2a1b9c", S3Store, []);
        var script = launch.SlurmScript("2 keyword classifiers\nfor labs", null, ["/opt/pwsh/pwsh"], "/mod/it's/KnowledgeGraph.psd1", gpu: false);
        Assert.Contains("export KG_LABS_STORE='s3://bucket/labs'\n", script);
        Assert.Contains("export KG_LABS_PROFILE='it'\\''s'\n", script);
        Assert.Contains("export KG_LABS_ENDPOINT_URL='http://127.0.0.1:9000'\n", script);
        Assert.Contains("# KnowledgeGraph training batch 20261130T074500Z-3f2a1b9c: 2 keyword classifiers for labs\n", script);
        Assert.Contains("exec '/opt/pwsh/pwsh' -NoProfile -NonInteractive -Command 'Import-Module '\\''/mod/it'\\'''\\''s/KnowledgeGraph.psd1'\\''; Invoke-KgTrainingTask -BatchId 20261130T074500Z-3f2a1b9c -Environment labs -Verbose -ErrorAction Stop'", script);
        Assert.DoesNotContain("podman", script);
    }

    [Fact]
    public void A_slurm_script_with_an_image_runs_podman_with_host_network_corpus_mounts_and_gpus()
    {
        var launch = new TaskLaunch("20261130T074500Z-3f2a1b9c", S3Store, ["/data/corpus"]);
        var script = launch.SlurmScript("x", "localhost:5000/kgtools:0.1.0", ["pwsh"], null, gpu: true);
        Assert.Contains("args=(run --rm --network=host --pull=missing)", script);
        Assert.Contains("args+=(--volume '/data/corpus:/data/corpus:ro')", script);
        Assert.Contains("args+=(--device nvidia.com/gpu=all)", script);
        Assert.Contains("exec podman \"${args[@]}\" 'localhost:5000/kgtools:0.1.0' '-NonInteractive' '-Command' 'Invoke-KgTrainingTask", script);
        Assert.DoesNotContain("AWS_SECRET_ACCESS_KEY=", script);   // credentials pass by name only
    }

    [Theory]
    [InlineData("localhost:5000/kgtools:0.1.0")]
    [InlineData("registry.example.org/ml/kgtools@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("kgtools")]
    public void Accepts_image_references(string reference) => Assert.Equal(reference, ImageReference.Check(reference));

    [Theory]
    [InlineData("Kgtools")]
    [InlineData("kgtools; rm -rf /")]
    [InlineData("kgtools:")]
    [InlineData("")]
    public void Refuses_what_is_not_an_image_reference(string reference)
    {
        var e = Assert.Throws<KgException>(() => ImageReference.Check(reference));
        Assert.Equal("InvalidImageReference", e.ErrorId);
        Assert.Contains($"'{reference}'", e.Message);
    }
}

public sealed class JobDefinitionTests
{
    private static JobDefinitionRequest Request(int count, bool gpu) => new()
    {
        Name = "kgtools-labs-20261130t074500z-3f2a1b9c",
        Image = "localhost:5000/kgtools:0.1.0",
        Launch = new TaskLaunch("20261130T074500Z-3f2a1b9c", new EnvironmentConfiguration
        {
            Environment = KgEnvironment.Labs, Store = StoreLocation.Parse("s3://bucket/labs"), StoreSource = "test", Region = "eu-west-1",
        }, []),
        Count = count,
        Gpu = gpu,
        TimeLimit = TimeSpan.FromMinutes(90),
    };

    [Fact]
    public void The_aws_batch_definition_has_register_job_definitions_fields()
    {
        var d = JobDefinitions.WriteAwsBatch(Request(500, gpu: true));
        using var json = JsonDocument.Parse(d.Definition);
        var root = json.RootElement;
        Assert.Equal("kgtools-labs-20261130t074500z-3f2a1b9c", root.GetProperty("jobDefinitionName").GetString());
        Assert.Equal("container", root.GetProperty("type").GetString());
        Assert.Equal("EC2", root.GetProperty("platformCapabilities")[0].GetString());
        var container = root.GetProperty("containerProperties");
        Assert.Equal("localhost:5000/kgtools:0.1.0", container.GetProperty("image").GetString());
        Assert.Equal(["-NonInteractive", "-Command", "Invoke-KgTrainingTask -BatchId 20261130T074500Z-3f2a1b9c -Environment labs -Verbose -ErrorAction Stop"],
            container.GetProperty("command").EnumerateArray().Select(e => e.GetString()));
        var environment = container.GetProperty("environment").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString());
        Assert.Equal("s3://bucket/labs", environment["KG_LABS_STORE"]);
        Assert.Equal("eu-west-1", environment["KG_LABS_REGION"]);
        var resources = container.GetProperty("resourceRequirements").EnumerateArray().ToDictionary(e => e.GetProperty("type").GetString()!, e => e.GetProperty("value").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["VCPU"] = "2", ["MEMORY"] = "8192", ["GPU"] = "1" }, resources);
        Assert.Equal(2, root.GetProperty("retryStrategy").GetProperty("attempts").GetInt32());
        Assert.Equal(5400, root.GetProperty("timeout").GetProperty("attemptDurationSeconds").GetInt64());
        Assert.Equal("labs", root.GetProperty("tags").GetProperty("kgtools/environment").GetString());
        Assert.Contains("--array-properties size=500", d.SubmitCommand);
    }

    [Fact]
    public void A_batch_of_one_is_a_plain_aws_batch_job()
    {
        var d = JobDefinitions.WriteAwsBatch(Request(1, gpu: false));
        Assert.DoesNotContain("array-properties", d.SubmitCommand);
        Assert.DoesNotContain("\"GPU\"", d.Definition);
    }
}

public sealed class BatchStoreTests : IDisposable
{
    private readonly TestStores _stores = new();

    public void Dispose() => _stores.Dispose();

    private static Concept ConceptOf(string id) => ConceptJson.ReadConcept($$"""{"preferred_label": "concept {{id}}", "wikibase_id": "{{id}}"}""", "test");

    [Fact]
    public void A_local_store_is_refused_for_a_scheduler_naming_the_concept_and_the_fix()
    {
        var e = Assert.Throws<KgException>(() => TrainingBatches.RequireSharedStore(_stores.For(KgEnvironment.Labs), "Slurm", "Q9001"));
        Assert.Equal("SchedulerNeedsSharedStore", e.ErrorId);
        Assert.Contains("Q9001 cannot be trained on Slurm", e.Message);
        Assert.Contains("Set-KgEnvironment labs -Store s3://", e.Message);
    }

    [Fact]
    public async Task A_stored_batch_reads_back_and_a_task_trains_and_records_its_version()
    {
        var store = _stores.For(KgEnvironment.Labs);
        var batches = await TrainingBatches.CreateAsync(store, [ConceptOf("Q1"), ConceptOf("Q2"), ConceptOf("Q3")],
            new BatchTraining { Type = ClassifierType.Keyword, Evaluate = false }, new HashSet<string> { "Q2" }, CancellationToken.None);
        Assert.Equal(2, batches.Count);   // the GPU concept is a batch of its own
        Assert.Equal(["Q1", "Q3"], batches[0].WikibaseIds);
        Assert.True(batches[1].Gpu);
        Assert.Equal(["Q2"], batches[1].WikibaseIds);
        var read = await new BatchStore(store.Objects, store.Environment).ReadAsync(batches[0].Id, CancellationToken.None);
        Assert.Equal((batches[0].Type, batches[0].Evaluate), (read.Type, read.Evaluate));
        Assert.Equal(batches[0].WikibaseIds, read.WikibaseIds);

        var trainer = new TrainingService(_ => new KeywordTrainer());
        var trained = await BatchTask.RunAsync(store, batches[0].Id, 1, trainer, null, CancellationToken.None);
        Assert.Equal(("Q3", "v0"), (trained.WikibaseId!, trained.Version));
        var recorded = await new BatchStore(store.Objects, store.Environment).ReadResultAsync(batches[0].Id, 1, CancellationToken.None);
        Assert.True(recorded!.Succeeded);
        Assert.Equal(trained.ManifestSha256, recorded.ManifestSha256);
        // A requeued task trains nothing twice.
        var again = await BatchTask.RunAsync(store, batches[0].Id, 1, trainer, null, CancellationToken.None);
        Assert.Equal("v0", again.Version);
        Assert.Single(await store.Models.ListVersionNumbersAsync("Q3", trained.ClassifierId, CancellationToken.None));
    }

    [Fact]
    public async Task A_stored_batch_carries_the_learned_types_settings_to_its_tasks()
    {
        var store = _stores.For(KgEnvironment.Labs);
        using var settings = JsonDocument.Parse("""{"Hidden": 32, "Dropout": 0.25}""");
        var options = new LearnedOptions { Seed = 7, Epochs = 3, Settings = settings.RootElement.Clone() };
        var batch = (await TrainingBatches.CreateAsync(store, [ConceptOf("Q1")],
            new BatchTraining { Type = ClassifierType.SpanTagger, Options = options }, new HashSet<string>(), CancellationToken.None))[0];
        var read = await new BatchStore(store.Objects, store.Environment).ReadAsync(batch.Id, CancellationToken.None);
        var request = read.RequestFor(ConceptOf("Q1"), []);
        Assert.Equal((7, 3), (request.Options.Seed, request.Options.Epochs));
        Assert.Equal(32, request.Options.Settings!.Value.GetProperty("Hidden").GetInt32());
        Assert.Equal(0.25, request.Options.Settings!.Value.GetProperty("Dropout").GetDouble());
        // Without settings, the stored batch has none (the type's defaults).
        var plain = (await TrainingBatches.CreateAsync(store, [ConceptOf("Q2")],
            new BatchTraining { Type = ClassifierType.SpanTagger }, new HashSet<string>(), CancellationToken.None))[0];
        Assert.Null((await new BatchStore(store.Objects, store.Environment).ReadAsync(plain.Id, CancellationToken.None)).Options.Settings);
    }

    [Fact]
    public async Task A_task_number_out_of_range_is_refused()
    {
        var store = _stores.For(KgEnvironment.Labs);
        var batch = (await TrainingBatches.CreateAsync(store, [ConceptOf("Q1")], new BatchTraining { Type = ClassifierType.Keyword }, new HashSet<string>(), CancellationToken.None))[0];
        var e = await Assert.ThrowsAsync<KgException>(() => BatchTask.RunAsync(store, batch.Id, 5, new TrainingService(_ => new KeywordTrainer()), null, CancellationToken.None));
        Assert.Equal("TaskIndexOutOfRange", e.ErrorId);
        Assert.Contains("numbered 0 to 0", e.Message);
    }

    [Fact]
    public async Task The_monitor_reports_successes_from_the_store_and_failures_from_the_scheduler_once_each()
    {
        var store = _stores.For(KgEnvironment.Labs);
        var batch = (await TrainingBatches.CreateAsync(store, [ConceptOf("Q1"), ConceptOf("Q2"), ConceptOf("Q3"), ConceptOf("Q4")],
            new BatchTraining { Type = ClassifierType.Keyword, Evaluate = false }, new HashSet<string>(), CancellationToken.None))[0];
        await BatchTask.RunAsync(store, batch.Id, 0, new TrainingService(_ => new KeywordTrainer()), null, CancellationToken.None);
        var job = new SubmittedArray("Fake", "7", 4, Path.GetTempPath());
        var scheduler = new FakeScheduler(
        [
            new ArrayTaskStatus { Index = 0, State = TaskState.Completed, SchedulerState = "COMPLETED", ExitCode = 0 },
            new ArrayTaskStatus { Index = 1, State = TaskState.Failed, SchedulerState = "FAILED", ExitCode = 0, Signal = 9, Node = "n1" },
            new ArrayTaskStatus { Index = 2, State = TaskState.Failed, SchedulerState = "TIMEOUT", ExitCode = 0 },
            // task 3 is no longer known to the scheduler and recorded nothing: lost after LostAfterPolls polls
        ]);
        var outcomes = new List<BatchTaskOutcome>();
        await new BatchMonitor(store, scheduler, [new SubmittedBatch(batch, job)]) { PollInterval = TimeSpan.FromMilliseconds(1) }
            .RunAsync(outcomes.Add, _ => { }, CancellationToken.None);
        Assert.Equal([0, 1, 2, 3], outcomes.Select(o => o.Index).Order());
        Assert.Equal("v0", Assert.IsType<TrainingResult>(outcomes.Single(o => o.Index == 0).Result).Version);
        Assert.Equal("TaskKilled", outcomes.Single(o => o.Index == 1).Error!.ErrorId);
        Assert.Contains("killed by signal 9 on n1", outcomes.Single(o => o.Index == 1).Error!.Message);
        Assert.Equal("TaskTimedOut", outcomes.Single(o => o.Index == 2).Error!.ErrorId);
        Assert.Equal("TaskLost", outcomes.Single(o => o.Index == 3).Error!.ErrorId);
    }

    private sealed class FakeScheduler(IReadOnlyList<ArrayTaskStatus> statuses) : ITaskScheduler
    {
        public string Name => "Fake";
        public Task<SubmittedArray> SubmitAsync(ArraySubmission submission, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<ArrayTaskStatus>> GetStatusAsync(SubmittedArray job, CancellationToken cancellationToken) => Task.FromResult(statuses);
        public Task CancelAsync(SubmittedArray job, int? index, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

public sealed class InferenceBatchTests : IDisposable
{
    private readonly TestStores _stores = new();

    public void Dispose() => _stores.Dispose();

    private static Inference.InferenceClassifierRun Row(string q, Inference.InferenceStatus status, int documents, int upToDate, long passages) => new()
    {
        Environment = "labs",
        WikibaseId = q,
        ClassifierId = "abcd2345",
        RegistryVersion = "v1",
        ModelVersion = "v0",
        ClassifierName = "KeywordClassifier",
        Status = status,
        Documents = documents,
        UpToDate = upToDate,
        Passages = passages,
        DontRunOn = ["sabin"],
        RequireGpu = false,
        Output = "s3://b/labs",
    };

    [Fact]
    public void The_chunks_rows_combine_into_one_row_per_entry_with_the_counts_added_up()
    {
        var rows = Inference.InferenceBatch.Combine(
        [
            [Row("Q1", Inference.InferenceStatus.Ran, 2, 0, 40), Row("Q2", Inference.InferenceStatus.UpToDate, 0, 1, 0)],
            [Row("Q1", Inference.InferenceStatus.UpToDate, 0, 3, 0), Row("Q2", Inference.InferenceStatus.Failed, 0, 0, 0) with { Reason = "broken" }],
        ]);
        Assert.Equal(["Q1", "Q2"], rows.Select(r => r.WikibaseId));
        Assert.Equal((Inference.InferenceStatus.Ran, 2, 3, 40L), (rows[0].Status, rows[0].Documents, rows[0].UpToDate, rows[0].Passages));
        Assert.Equal((Inference.InferenceStatus.Failed, "broken"), (rows[1].Status, rows[1].Reason));
    }

    [Fact]
    public async Task An_inference_batch_and_a_task_result_with_rows_and_errors_read_back_as_stored()
    {
        var store = _stores.For(KgEnvironment.Labs);
        var objects = new BatchStore(store.Objects, store.Environment);
        var batch = new Inference.InferenceBatch
        {
            Id = BatchId.New(DateTimeOffset.UtcNow),
            Environment = KgEnvironment.Labs,
            ChunkCount = 3,
            DocumentPaths = ["/data/a.json", "/data/b.json.gz"],
            SpecFile = "/specs/v2/labs.yaml",
            SpecText = "---\n[]\n",
            ThrottleLimit = 2,
            CreatedAt = DateTimeOffset.UtcNow,
            CreatedBy = Actor.Current,
        };
        await Inference.InferenceRun.CreateBatchAsync(store, batch, CancellationToken.None);
        var read = await objects.ReadInferenceAsync(batch.Id, CancellationToken.None);
        Assert.Equal((3, 2, "---\n[]\n"), (read.ChunkCount, read.ThrottleLimit, read.SpecText));
        Assert.Equal(batch.DocumentPaths, read.DocumentPaths);
        Assert.Equal("Inference chunk 2 of 3", read.TaskActivity(2));
        // A training task given an inference batch is told what it is.
        var wrong = await Assert.ThrowsAsync<KgException>(() => objects.ReadAsync(batch.Id, CancellationToken.None));
        Assert.Equal("CorruptBatch", wrong.ErrorId);
        Assert.Equal("TaskIndexOutOfRange", Assert.Throws<KgException>(() => BatchTask.CheckIndex(read, 3)).ErrorId);

        await objects.WriteResultAsync(batch.Id, new BatchTaskResult
        {
            Index = 1,
            WikibaseId = "chunk 1",
            Succeeded = true,
            Host = "n1",
            StartedAt = DateTimeOffset.UtcNow,
            FinishedAt = DateTimeOffset.UtcNow,
            Classifiers = [Row("Q1", Inference.InferenceStatus.Ran, 2, 0, 40)],
            Errors = [new KgException("DocumentUnreadable", KgErrorKind.InvalidData, "x.json is not JSON.", "x.json")],
        }, CancellationToken.None);
        var result = await objects.ReadResultAsync(batch.Id, 1, CancellationToken.None);
        Assert.Equal(Row("Q1", Inference.InferenceStatus.Ran, 2, 0, 40) with { DontRunOn = result!.Classifiers![0].DontRunOn }, result.Classifiers[0]);
        Assert.Equal(["sabin"], result.Classifiers[0].DontRunOn);
        Assert.Equal(("DocumentUnreadable", KgErrorKind.InvalidData, "x.json"), (result.Errors[0].ErrorId, result.Errors[0].Kind, result.Errors[0].Target));
        Assert.Same(result, await read.ResultAsync(store, result, CancellationToken.None));
    }
}
