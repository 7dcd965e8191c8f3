BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
    # build.ps1 Test starts a single-node Slurm cluster (tests/tools/slurm-cluster.sh) and sets $env:KG_TEST_SLURM_CONF;
    # where it could not, it says why in $env:KG_TEST_SLURM_SKIP.
    $script:HasSlurm = [bool]$env:KG_TEST_SLURM_CONF -and $script:HasS3
    $script:NoSlurmReason = if (-not $script:HasS3) { 'the S3 test server is not running (a batch needs a shared store)' }
    elseif ($env:KG_TEST_SLURM_SKIP) { $env:KG_TEST_SLURM_SKIP } else { 'the Slurm test cluster is not running ($env:KG_TEST_SLURM_CONF is not set)' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # Copies of the example concept under other IDs, so a batch has several concepts.
    function New-BatchConcepts([string[]] $Ids) {
        $folder = New-Item -ItemType Directory (Join-Path $env:KG_HOME ('concepts-' + [guid]::NewGuid().ToString('N').Substring(0, 6)))
        $text = Get-Content (Join-Path $ExampleConcepts 'Q9001.json') -Raw
        foreach ($id in $Ids) { $text.Replace('"Q9001"', "`"$id`"") | Set-Content (Join-Path $folder "$id.json") }
        return $folder.FullName
    }
}

Describe 'Training batches: checks before anything is submitted' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
    }

    It 'refuses a store on this machine for a batch, per concept, and writes nothing' {
        $errors = @()
        $out = 'Q9001', 'Q404' | Invoke-KgTraining -Environment sandbox -Scheduler Slurm -ErrorVariable errors -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SchedulerNeedsSharedStore,*'
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'ConceptNotFound,*'   # a concept's own error comes first
        $errors[0].Exception.Message | Should -BeLike '*Q9001*cannot be trained on Slurm*Set-KgEnvironment sandbox -Store s3://*Nothing was submitted*'
        Get-KgClassifier Q9001 -Environment sandbox -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Should -BeNullOrEmpty
    }

    It 'refuses the cluster parameters without -Scheduler' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Partition gpu }
        $e.FullyQualifiedErrorId | Should -BeLike 'SchedulerParameterWithoutScheduler,*'
        $e.Exception.Message | Should -BeLike '*-Partition*-Scheduler Slurm*'
    }

    It 'refuses an image reference that is not one, naming it' {
        $e = Get-KgError { Deploy-KgClassifier Q9001 -Environment sandbox -AddClassifiersProfile primary -Scheduler Slurm -Image 'Not An/Image!' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidImageReference,*'
        $e.Exception.Message | Should -BeLike "*'Not An/Image!'*localhost:5000/kgtools*"
    }

    It 'refuses a time limit out of range' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Scheduler Slurm -TimeLimit 0 }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidTimeLimit,*'
    }

    It 'refuses -Track with -Scheduler (the training runs on the cluster, not in this session), before anything is stored' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Scheduler Slurm -Track }
        $e.FullyQualifiedErrorId | Should -BeLike 'TrackNeedsLocalRun,*'
        $e.Exception.Message | Should -BeLike '*-Track*-Scheduler Slurm*Train without -Scheduler*'
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Should -BeNullOrEmpty
    }

    It 'checks -Setting before a batch is stored, as a local training does (the type''s names are checked by each task''s worker)' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Scheduler Slurm -Setting @{ Hidden = 16 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
        $e.Exception.Message | Should -BeLike '*Keyword classifier has no settings*'
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -ClassifierType SpanTagger -Scheduler Slurm -Setting @{ Hidden = 1, 2 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSettings,*'
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Should -BeNullOrEmpty
    }

    It 'refuses -OutputPath with -Scheduler' {
        $e = Get-KgError { Invoke-KgTraining Q9001 -Environment sandbox -Scheduler Slurm -OutputPath (Join-Path $TestHome 'm') }
        $e.FullyQualifiedErrorId | Should -BeLike 'LocalParameterWithScheduler,*'
    }

    It 'says Slurm is not installed when its commands are not on PATH, and stores no batch' -Skip:(-not $HasS3) {
        Use-TestS3Store | Out-Null
        $path = $env:PATH
        try {
            $env:PATH = Join-Path $TestHome 'no-such-bin'
            $errors = @()
            Invoke-KgTraining Q9001 -Environment sandbox -Scheduler Slurm -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { $env:PATH = $path }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SchedulerNotInstalled,*'
        $errors[0].Exception.Message | Should -BeLike '*sbatch, scontrol, scancel are not on PATH*apt-get install slurm-client*'
        $errors[0].CategoryInfo.Category | Should -Be 'NotInstalled'
    }
}

Describe 'Training batches on the single-node Slurm cluster' -Tag 'Slurm' {
    BeforeAll {
        if (-not $HasSlurm) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Concepts = New-BatchConcepts 'Q9001', 'Q9002', 'Q9003'
        $script:SpecFolder = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2'))
    }

    AfterEach {
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Remove-Job -Force -ErrorAction SilentlyContinue
    }

    It 'Invoke-KgTraining -Scheduler Slurm returns a job; Receive-Job gives each concept''s TrainingResult, and an error record for a missing one' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        $job = 'Q9001', 'Q9002', 'Q404' | Invoke-KgTraining -Environment sandbox -ConceptPath $Concepts -Scheduler Slurm
        $job.PSJobTypeName | Should -Be 'KgBatchJob'
        $job.SchedulerJobIds.Count | Should -Be 1
        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId
        $job | Wait-Job -Timeout 240 | Out-Null
        $job.State | Should -Be 'Failed'   # one concept failed
        $errors = @()
        $results = Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue
        ($results.WikibaseId | Sort-Object) | Should -Be @('Q9001', 'Q9002')
        $results | ForEach-Object { $_ | Should -BeOfType ([KnowledgeGraph.Training.TrainingResult]); $_.Stored | Should -BeTrue; $_.Version | Should -Be 'v0' }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'ConceptNotFound'
        # The versions are in the store as a local training stores them, unpromoted.
        (Get-KgClassifier Q9002 -Environment sandbox -AllVersions).Version | Should -Be 'v0'
        Get-KgClassifier -Environment sandbox -Promoted | Should -BeNullOrEmpty
        # The task's log is on this machine (the test cluster shares its file system).
        $log = Get-ChildItem $job.LogFolders[0] -Filter '*.log' | Select-Object -First 1
        Get-Content $log.FullName -Raw | Should -Match 'Batch \S+, task \d'
    }

    It 'Deploy-KgClassifier -Scheduler Slurm promotes the trained concepts and updates the spec once, as a local deploy does' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        $job = 'Q9001', 'Q9003' | Deploy-KgClassifier -Environment staging -AddClassifiersProfile primary -ConceptPath $Concepts -SpecPath $SpecFolder -Scheduler Slurm
        $results = Receive-Job $job -Wait
        $job.State | Should -Be 'Completed'
        ($results.WikibaseId | Sort-Object) | Should -Be @('Q9001', 'Q9003')
        $results | ForEach-Object { $_ | Should -BeOfType ([KnowledgeGraph.Lifecycle.DeployResult]); $_.Promoted | Should -BeTrue; $_.ClassifiersProfile | Should -Be 'primary' }
        (Get-KgClassifier -Environment staging -Promoted).WikibaseId | Sort-Object | Should -Be @('Q9001', 'Q9003')
        $spec = Get-Content (Join-Path $SpecFolder 'v2/staging.yaml') -Raw
        $spec | Should -Match 'Q9001'
        $spec | Should -Match 'Q9003'
    }

    It 'Stop-Job on one concept cancels its task (scancel); the others are still promoted' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        # One task at a time, so the second is still pending when it is cancelled.
        $job = 'Q9002', 'Q9003' | Deploy-KgClassifier -Environment labs -AddClassifiersProfile primary -ConceptPath $Concepts -NoSpecUpdate -Scheduler Slurm -ThrottleLimit 1
        $job.ChildJobs[1] | Stop-Job
        $errors = @()
        $results = Receive-Job $job -Wait -ErrorVariable errors -ErrorAction SilentlyContinue
        $q2 = $results | Where-Object WikibaseId -eq 'Q9002'
        $q3 = $results | Where-Object WikibaseId -eq 'Q9003'
        $q2.Promoted | Should -BeTrue
        $q3.Promoted | Should -BeFalse
        $q3.ErrorId | Should -Be 'TaskCancelled'
        $errors.FullyQualifiedErrorId | Should -Be 'TaskCancelled'
        (Get-KgClassifier -Environment labs -Promoted).WikibaseId | Should -Be 'Q9002'
        Get-KgClassifier Q9003 -Environment labs -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'Stop-Job on the batch cancels the array and promotes nothing' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        $job = 'Q9001', 'Q9002', 'Q9003' | Deploy-KgClassifier -Environment production -AddClassifiersProfile primary -ConceptPath $Concepts -NoSpecUpdate -Force -Scheduler Slurm -ThrottleLimit 1
        $job | Stop-Job
        $job.State | Should -Be 'Stopped'
        $errors = @()
        $results = Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.Promoted | Should -BeFalse }
        $errors.Count | Should -Be 3
        Get-KgClassifier -Environment production -Promoted | Should -BeNullOrEmpty
        $state = & scontrol --oneliner show job $job.SchedulerJobIds[0] 2>&1 | Out-String
        $state | Should -Not -Match 'JobState=(PENDING|RUNNING)'
    }

    It 'a task killed by a signal (kill -9 of its process) is a clear error, and nothing of it is promoted' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        # The task's pwsh (its command line names the batch) is killed with SIGKILL as soon as it exists.
        $job = 'Q9001' | Invoke-KgTraining -Environment sandbox -ConceptPath $Concepts -ClassifierType SpanTagger -Scheduler Slurm
        $batchId = $job.BatchIds[0]
        Wait-Until { ($script:taskPid = & pgrep -f -- "-BatchId $batchId" | Select-Object -First 1) } -Seconds 120
        & kill -9 $script:taskPid
        $job | Wait-Job -Timeout 120 | Out-Null
        $errors = @()
        Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'TaskKilled'
        $errors[0].Exception.Message | Should -BeLike '*Training Q9001 was killed by signal 9*Nothing of it was promoted*'
        Get-KgClassifier Q9001 -Environment sandbox -Promoted -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'says the controller does not answer when Slurm is not running, and stores no batch' -Skip:(-not $HasSlurm) -Tag 'Slurm' {
        $dead = Join-Path $TestHome 'dead-slurm.conf'
        (Get-Content $env:KG_TEST_SLURM_CONF) -replace '^SlurmctldPort=\d+', 'SlurmctldPort=1' | Set-Content $dead
        $conf = $env:SLURM_CONF
        try {
            $env:SLURM_CONF = $dead
            $errors = @()
            Invoke-KgTraining Q9001 -Environment labs -ConceptPath $Concepts -Scheduler Slurm -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { $env:SLURM_CONF = $conf }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SchedulerUnavailable,*'
        $errors[0].Exception.Message | Should -BeLike '*scontrol ping*Nothing was submitted*'
        Get-KgClassifier Q9001 -Environment labs -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

# Two keyword classifiers (Q701 everywhere, Q702 with dont_run_on: [sabin]) over the original's three parser-output
# documents, here and as a Slurm array of two chunks: the results in the store must be a local run's.
Describe 'Inference on the single-node Slurm cluster' -Tag 'Slurm' {
    BeforeAll {
        if (-not $HasSlurm -or -not $HasSharedData) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Bucket = ((Get-KgEnvironment sandbox).Store -replace '^s3://', '') -split '/' | Select-Object -First 1
        $script:Documents = Join-Path $SharedData 'documents/parser-output'
        $concepts = New-Item -ItemType Directory (Join-Path $TestHome 'inference-concepts')
        '{"preferred_label": "ministry", "alternative_labels": ["government"], "wikibase_id": "Q701"}' | Set-Content (Join-Path $concepts 'Q701.json')
        '{"preferred_label": "natural resources", "alternative_labels": ["environment"], "wikibase_id": "Q702"}' | Set-Content (Join-Path $concepts 'Q702.json')
        $trained = 'Q701', 'Q702' | Invoke-KgTraining -Environment sandbox -ConceptPath $concepts -NoEvaluate
        $trained | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
        Set-KgClassifierMetadata Q702 -ClassifierId ($trained | Where-Object WikibaseId -eq Q702).ClassifierId -Environment sandbox -AddDontRunOn sabin
        $script:SpecFolder = Join-Path $TestHome 'classifier_specs'
        New-Item -ItemType Directory (Join-Path $SpecFolder 'v2') | Out-Null
        Update-KgInferenceSpec sandbox -Path $SpecFolder

        # The result files (labelled passages, aggregated) under a folder or sandbox's prefix of the bucket: relative key →
        # text, with the times of the run taken out (every run stamps its spans).
        function Get-ResultFiles([string] $Folder) {
            $found = [ordered]@{}
            $normalize = { param($t) $t -replace '"timestamp": ?"[^"]*"', '"timestamp":"T"' -replace '"timestamps": ?\[[^\]]*\]', '"timestamps":["T"]' }
            if ($Folder) {
                foreach ($f in Get-ChildItem $Folder -Recurse -File | Where-Object Name -NotLike '*.kgtmp' | Sort-Object FullName) {
                    $found[[IO.Path]::GetRelativePath($Folder, $f.FullName).Replace('\', '/')] = & $normalize ([IO.File]::ReadAllText($f.FullName))
                }
                return $found
            }
            foreach ($prefix in 'labelled_passages/', 'aggregated/') {
                $list = [xml](Invoke-TestS3Request -Method Get -Path "/$Bucket" -Query @{ 'list-type' = '2'; prefix = "sandbox/$prefix" }).Content
                foreach ($key in @($list.ListBucketResult.Contents | ForEach-Object { $_.Key } | Sort-Object)) {
                    $r = Invoke-TestS3Request -Method Get -Path "/$Bucket/$key"
                    $found[$key.Substring('sandbox/'.Length)] = & $normalize ([Text.Encoding]::UTF8.GetString($r.RawContentStream.ToArray()))
                }
            }
            return $found
        }
    }

    AfterEach {
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Remove-Job -Force -ErrorAction SilentlyContinue
    }

    It 'runs the documents in two array tasks; Receive-Job gives a local run''s rows, and the store holds a local run''s files' -Skip:(-not $HasSlurm -or -not $HasSharedData) -Tag 'Slurm' {
        $localFolder = Join-Path $TestHome 'local-results'
        $local = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -OutputPath $localFolder

        $job = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -Scheduler Slurm -ChunkCount 2
        $job.PSJobTypeName | Should -Be 'KgBatchJob'
        $job.SchedulerJobIds.Count | Should -Be 1
        $job.ChildJobs.Count | Should -Be 2
        (Get-Job -Id $job.Id).InstanceId | Should -Be $job.InstanceId
        $job | Wait-Job -Timeout 240 | Out-Null
        $job.State | Should -Be 'Completed'
        $errors = @()
        $rows = Receive-Job $job -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
        $rows | ForEach-Object { $_ | Should -BeOfType ([KnowledgeGraph.Inference.InferenceClassifierRun]) }
        $shape = { $input | ForEach-Object { '{0} {1} {2} {3} {4} {5} {6} {7} {8}' -f $_.WikibaseId, $_.ClassifierId, $_.RegistryVersion, $_.Status, $_.Documents, $_.Skipped, $_.Passages, $_.PositivePassages, $_.Spans } }
        ($rows | & $shape) | Should -Be ($local | & $shape)
        $rows.Documents | Should -Be @(3, 2)
        # Both chunks had work: the hash splits the three documents 2 + 1 or 1 + 2.
        $logs = Get-ChildItem $job.LogFolders[0] -Filter '*.log'
        $logs.Count | Should -Be 2

        $stored = Get-ResultFiles
        $expected = Get-ResultFiles $localFolder
        @($stored.Keys | Sort-Object) | Should -Be @($expected.Keys | Sort-Object)
        @($stored.Keys).Count | Should -Be 8   # 3 + 2 labelled passages, 3 aggregated
        foreach ($key in $expected.Keys) { $stored[$key] | Should -Be $expected[$key] -Because $key }

        # A rerun in the cluster finds everything done.
        $again = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -Scheduler Slurm -ChunkCount 2 | Receive-Job -Wait
        $again.Documents | Should -Be @(0, 0)
        $again.UpToDate | Should -Be @(3, 2)
        $again.Status | Should -Be @('UpToDate', 'UpToDate')
    }

    It 'Stop-Job cancels the array (scancel)' -Skip:(-not $HasSlurm -or -not $HasSharedData) -Tag 'Slurm' {
        $job = Invoke-KgInference -Environment sandbox -DocumentPath $Documents -SpecPath $SpecFolder -Scheduler Slurm -ChunkCount 2 -Force
        $job | Stop-Job
        $job.State | Should -Be 'Stopped'
        $state = & scontrol --oneliner show job $job.SchedulerJobIds[0] 2>&1 | Out-String
        $state | Should -Not -Match 'JobState=(PENDING|RUNNING)'
        $errors = @()
        Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue | Out-Null
        # A chunk that recorded its result before the cancellation counts; the others are stopped.
        @($errors | Where-Object { $_.FullyQualifiedErrorId -ne 'BatchStopped' }) | Should -BeNullOrEmpty
        @($job.ChildJobs | Where-Object State -eq 'Stopped').Count + @($job.ChildJobs | Where-Object State -eq 'Completed').Count | Should -Be 2
    }
}

Describe 'Invoke-KgInference -Scheduler: checks before anything is submitted' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:SpecFolder = Join-Path $TestHome 'classifier_specs'
        New-Item -ItemType Directory (Join-Path $SpecFolder 'v2') | Out-Null
        Update-KgInferenceSpec sandbox -Path $SpecFolder
        $script:Docs = Join-Path $SharedData 'documents/parser-output'
    }

    It 'refuses a store on this machine, saying why, and submits nothing' -Skip:(-not $HasSharedData) {
        $e = Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath $Docs -SpecPath $SpecFolder -Scheduler Slurm }
        $e.FullyQualifiedErrorId | Should -BeLike 'SchedulerNeedsSharedStore,*'
        $e.Exception.Message | Should -BeLike '*inference of 3 document(s) cannot run on Slurm*folder*Set-KgEnvironment sandbox -Store s3://*Nothing was submitted*'
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Should -BeNullOrEmpty
    }

    It 'refuses -ChunkIndex and -OutputPath with -Scheduler, and cluster parameters without it' -Skip:(-not $HasSharedData) {
        (Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath $Docs -SpecPath $SpecFolder -Scheduler Slurm -ChunkIndex 1 -ChunkCount 2 }).FullyQualifiedErrorId |
            Should -BeLike 'LocalParameterWithScheduler,*'
        (Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath $Docs -SpecPath $SpecFolder -Scheduler Slurm -OutputPath (Join-Path $TestHome 'o') }).FullyQualifiedErrorId |
            Should -BeLike 'LocalParameterWithScheduler,*'
        $e = Get-KgError { Invoke-KgInference -Environment sandbox -DocumentPath $Docs -SpecPath $SpecFolder -Partition cpu }
        $e.FullyQualifiedErrorId | Should -BeLike 'SchedulerParameterWithoutScheduler,*'
        $e.Exception.Message | Should -BeLike '*-Partition*-Scheduler Slurm*run inference here*'
    }
}

Describe 'Training batches on the single-node Slurm cluster: settings, time limits and faults' -Tag 'Slurm' {
    BeforeAll {
        if (-not $HasSlurm) { return }
        $script:TestHome = Initialize-KgTestStore S3
        $script:Concepts = New-BatchConcepts 'Q9001', 'Q9002'
        # Runs a command with a variable set for the batch's tasks only: sbatch exports $env:SBATCH_EXPORT's variables
        # to the job, and the module in this process never sees them.
        function Invoke-WithTaskVariable([string] $Assignment, [scriptblock] $Command) {
            $env:SBATCH_EXPORT = "ALL,$Assignment"
            try { & $Command } finally { Remove-Item env:SBATCH_EXPORT }
        }
        function Get-TaskState([string] $JobId, [int] $Index) {
            $line = & scontrol --oneliner show job $JobId 2>$null | Where-Object { $_ -match "ArrayTaskId=$Index " }
            if ($line -match 'JobState=(\S+)') { $Matches[1] }
        }
    }

    AfterEach {
        Get-Job | Where-Object PSJobTypeName -eq 'KgBatchJob' | Remove-Job -Force -ErrorAction SilentlyContinue
    }

    It 'carries -Setting through the stored batch: the task trains with it (the classifier ID of a local training with the same setting)' -Skip:(-not $HasSlurm) {
        $setting = @{ Hidden = 16 }
        $job = Invoke-KgTraining Q9001 -Environment sandbox -ConceptPath $Concepts -ClassifierType SpanTagger -Seed 5 -MaxEpochs 1 -Setting $setting -Scheduler Slurm
        $result = Receive-Job $job -Wait -ErrorAction Stop
        $local = Invoke-KgTraining Q9001 -Environment sandbox -ConceptPath $Concepts -ClassifierType SpanTagger -Seed 5 -MaxEpochs 1 -Setting $setting -LocalOnly -OutputPath (Join-Path $TestHome 'local-models')
        $default = Invoke-KgTraining Q9001 -Environment sandbox -ConceptPath $Concepts -ClassifierType SpanTagger -Seed 5 -MaxEpochs 1 -LocalOnly -OutputPath (Join-Path $TestHome 'local-models')
        $local.ClassifierId | Should -Not -Be $default.ClassifierId   # the setting is part of the ID
        $result.ClassifierId | Should -Be $local.ClassifierId
        $result.Version | Should -Be 'v0'
    }

    It 'a task that exceeds -TimeLimit is reported as timed out, and nothing of it is stored' -Skip:(-not $HasSlurm) {
        # Every write of the task waits 10 minutes (the store's test hook), so it is still running at its limit; Slurm
        # counts limits in whole minutes and checks them every 30 s or so.
        $job = Invoke-WithTaskVariable 'KG_TEST_WRITE_DELAY_MS=600000' {
            Invoke-KgTraining Q9002 -Environment labs -ConceptPath $Concepts -Scheduler Slurm -TimeLimit 00:00:10
        }
        $job | Wait-Job -Timeout 240 | Out-Null
        $job.State | Should -Be 'Failed'
        $errors = @()
        Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'TaskTimedOut'
        $errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $errors[0].Exception.Message | Should -BeLike '*Training Q9002 reached its time limit*-TimeLimit*Nothing of it was promoted*'
        Get-KgClassifier Q9002 -Environment labs -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'an image that does not exist is an error per concept that names it, and nothing is stored' -Skip:(-not ($HasSlurm -and (Get-Command podman -CommandType Application -ErrorAction Ignore))) {
        $env:CONTAINERS_CONF = Join-Path $RepoRoot 'container/containers.conf'
        try {
            # A registry port nothing listens on: the pull fails at once.
            $job = 'Q9001', 'Q9002' | Invoke-KgTraining -Environment staging -ConceptPath $Concepts -Scheduler Slurm -Image localhost:9/kgtools-no-such-image:0
            $job | Wait-Job -Timeout 180 | Out-Null
        }
        finally { Remove-Item env:CONTAINERS_CONF }
        $errors = @()
        Receive-Job $job -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 2
        foreach ($e in $errors) {
            $e.FullyQualifiedErrorId | Should -Be 'TaskFailed'
            $e.Exception.Message | Should -BeLike '*exit code 125*kgtools-no-such-image*'
        }
        ($errors.TargetObject | Sort-Object) | Should -Be @('Q9001', 'Q9002')
        Get-KgClassifier -Environment staging -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'the S3 server stopped during a batch: the task it hit fails with a clear error and stores nothing; the one before it is still promoted' -Skip:(-not $HasSlurm) {
        # An S3 server of this test's own (the shared one is not disturbed), whose gateway is stopped while the second task
        # stores its version (each of the tasks' writes waits 3 s, so there is time to hit one).
        $listeners = 1..2 | ForEach-Object { [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0) }
        $listeners | ForEach-Object { $_.Start() }
        $port, $monPort = $listeners | ForEach-Object { $_.LocalEndpoint.Port }
        $listeners | ForEach-Object { $_.Stop() }
        $server = Join-Path $TestHome 's3-outage'
        $env:MON_PORT = $monPort
        try {
            & bash $env:KG_TEST_S3_SCRIPT up $server $port | Out-Null
            $LASTEXITCODE | Should -Be 0
            $endpoint = "http://127.0.0.1:$port"
            $bucket = New-TestBucket -Endpoint $endpoint
            Set-KgEnvironment production -Store "s3://$bucket/production" -EndpointUrl $endpoint -ProfileName $S3Profile | Out-Null
            $job = Invoke-WithTaskVariable 'KG_TEST_WRITE_DELAY_MS=3000' {
                'Q9001', 'Q9002' | Deploy-KgClassifier -Environment production -AddClassifiersProfile primary -ConceptPath $Concepts -NoSpecUpdate -Force -Scheduler Slurm -ThrottleLimit 1
            }
            $jobId = $job.SchedulerJobIds[0]
            Wait-Until { (Get-TaskState $jobId 1) -eq 'RUNNING' } -Seconds 180
            Start-Sleep -Seconds 4   # pwsh started, the batch read: its first write is under way
            & bash $env:KG_TEST_S3_SCRIPT stop-gateway $server
            Wait-Until { ($state = Get-TaskState $jobId 1) -and $state -notin 'RUNNING', 'PENDING', 'COMPLETING' } -Seconds 240
            & bash $env:KG_TEST_S3_SCRIPT start-gateway $server
            $errors = @()
            $results = Receive-Job $job -Wait -ErrorVariable errors -ErrorAction SilentlyContinue
            ($results | Where-Object WikibaseId -eq 'Q9001').Promoted | Should -BeTrue
            $q2 = $results | Where-Object WikibaseId -eq 'Q9002'
            $q2.Promoted | Should -BeFalse
            $errors.Count | Should -Be 1
            $errors[0].TargetObject | Should -Be 'Q9002'
            $errors[0].FullyQualifiedErrorId | Should -BeIn 'TaskFailed', 'StoreUnavailable'
            $errors[0].Exception.Message | Should -BeLike '*Training Q9002 failed*Nothing of it was promoted*'
            (Get-KgClassifier -Environment production -Promoted).WikibaseId | Should -Be 'Q9001'
            Get-KgClassifier Q9002 -Environment production -AllVersions -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item env:MON_PORT -ErrorAction SilentlyContinue
            & bash $env:KG_TEST_S3_SCRIPT down $server | Out-Null
        }
    }
}

Describe 'Export-KgJobDefinition' {
    It 'stores the batch and writes a Kubernetes Indexed Job and an AWS Batch definition that run Invoke-KgTrainingTask in the image' -Skip:(-not $HasS3) {
        $testHome = Initialize-KgTestStore S3
        $concepts = New-BatchConcepts 'Q9001', 'Q9002'
        $out = Join-Path $testHome 'jobs'
        $k8s = 'Q9001', 'Q9002' | Export-KgJobDefinition -Environment labs -Kind KubernetesJob -Image localhost:5000/kgtools:0.1.0 -ConceptPath $concepts -Parallelism 1 -OutputPath $out
        $k8s.TaskCount | Should -Be 2
        $yaml = Get-Content (Join-Path $out "$($k8s.Name).yaml") -Raw
        $yaml | Should -Match 'completionMode: Indexed'
        $yaml | Should -Match 'completions: 2'
        $yaml | Should -Match 'parallelism: 1'
        $yaml | Should -Match "Invoke-KgTrainingTask -BatchId $($k8s.BatchId) -Environment labs"
        $yaml | Should -Match 'KG_LABS_STORE'
        # The batch is in the store: its task 1 runs here as a pod would, and stores Q9002's version.
        $task = Invoke-KgTrainingTask $k8s.BatchId labs -Index 1
        $task.WikibaseId | Should -Be 'Q9002'
        (Get-KgClassifier Q9002 -Environment labs -AllVersions).Version | Should -Be 'v0'
        $aws = Export-KgJobDefinition Q9001 -Environment labs -Kind AwsBatch -Image localhost:5000/kgtools:0.1.0 -ConceptPath $concepts
        ($aws.Definition | ConvertFrom-Json).containerProperties.image | Should -Be 'localhost:5000/kgtools:0.1.0'
        $aws.SubmitCommand | Should -Not -Match 'array-properties'
    }

    It 'refuses a local store and a bad image, writing nothing' {
        New-KgTestHome | Out-Null
        (Get-KgError { Export-KgJobDefinition Q9001 -Environment labs -Kind AwsBatch -Image 'UPPER' }).FullyQualifiedErrorId | Should -BeLike 'InvalidImageReference,*'
        (Get-KgError { Export-KgJobDefinition Q9001 -Environment labs -Kind AwsBatch -Image kgtools }).FullyQualifiedErrorId | Should -BeLike 'SchedulerNeedsSharedStore,*'
    }
}
