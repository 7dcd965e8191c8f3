BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# W&B as tracker and registry of record, against the tests' W&B stand-in (in this process) and the S3 test server.
# No W&B server runs here: these tests show what the module sends and how it reads the answers, as the SDK's
# types describe them, not how the real service behaves.
Describe 'Weights & Biases' -Skip:(-not $HasWandBStandIn) {
    BeforeAll {
        $script:TestHome = Initialize-KgTestStore S3
        $script:W = Start-KgWandBStandIn
        $script:SpecFolder = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2'))
    }

    AfterAll {
        $W.StandIn.ValidationErrors | Should -BeNullOrEmpty
        Stop-KgWandBStandIn
    }

    It 'configures an environment whose registry is W&B, and refuses one without an entity' {
        $e = Get-KgError { Set-KgEnvironment labs -Registry WandB }
        $e.FullyQualifiedErrorId | Should -BeLike 'WandBEntityMissing,*'
        (Get-KgEnvironment labs).Registry | Should -Be 'Store'
        (Get-KgError { Set-KgEnvironment labs -WandBBaseUrl 'https://user:secret@wandb.example.org' }).Exception.Message | Should -Not -Match 'secret'
        Set-KgEnvironment -WandBEntity kg-team -WandBBaseUrl $W.BaseUrl
        Set-KgEnvironment staging -Registry WandB
        $info = Get-KgEnvironment staging
        $info.Registry | Should -Be 'WandB'
        $info.WandBEntity | Should -Be 'kg-team'
        $info.WandBBaseUrl | Should -Be $W.BaseUrl
        (Get-KgEnvironment sandbox).Registry | Should -Be 'Store'
    }

    It 'tracks a training: a run, its tables, and a model artifact that refers to the stored model' {
        $all = Invoke-KgTraining Q9001 -Environment sandbox -Track -Debug -Verbose *>&1
        $result = $all | Where-Object { $_ -is [KnowledgeGraph.Training.TrainingResult] }
        $result.Version | Should -Be 'v0'
        $result.WandB.ArtifactVersion | Should -Be 'v0'
        $result.WandB.Artifact | Should -Be "kg-team/Q9001/$($result.ClassifierId):v0"
        ($all | Out-String) | Should -Not -Match $W.Key
        ($all | Out-String) | Should -Match 'W&B: .* CreateArtifact -> 200'
        $run = @($W.World.Runs.Values | Where-Object JobType -eq 'train_model')
        $run.Count | Should -Be 1
        $run[0].Complete | Should -BeTrue
        $run[0].Summary | Should -Match '"passage_level_f1"'
        $model = @($W.World.Artifacts.Values | Where-Object Type -eq 'model')
        $model.Count | Should -Be 1
        $model[0].State | Should -Be 'COMMITTED'
        $model[0].Metadata | Should -Be ('{"aws_env":"sandbox","classifier_name":"KeywordClassifier","concept_id":"' + (Get-KgConcept Q9001).Id + '","concept_wikibase_revision":null}')
        @($W.World.Artifacts.Values | Where-Object Type -eq 'labelled_passages').Count | Should -Be 1
    }

    It 'refuses -Track before training when the store is local or no key is found' {
        Set-KgEnvironment labs -Store (Join-Path $TestHome 'local-labs')
        (Get-KgError { Invoke-KgTraining Q9001 -Environment labs -Track }).FullyQualifiedErrorId | Should -BeLike 'WandBNeedsS3Store,*'
        Get-KgClassifier Q9001 -Environment labs | Should -BeNullOrEmpty
        # No $env:WANDB_API_KEY and no ~/.netrc: nothing is trained.
        $child = Invoke-KgChild -Script "Import-Module `$env:KG_TEST_MODULE; try { Invoke-KgTraining Q9001 -Environment sandbox -Track -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }" -Environment @{ WANDB_API_KEY = ''; HOME = $TestHome }
        $child.Output | Should -Match 'WandBKeyMissing'
        (Get-KgClassifier Q9001 -Environment sandbox -AllVersions).Version | Should -Be @('v0')
    }

    It 'promotes, edits and demotes in W&B with the same commands, and writes the spec from it' {
        $v = Get-KgClassifier Q9001 -Environment staging
        $v | Should -BeNullOrEmpty
        $trained = Invoke-KgTraining Q9001 -Environment staging
        $p = Publish-KgClassifier Q9001 -ClassifierId $trained.ClassifierId -Environment staging -AddClassifiersProfile primary
        $p.RegistryVersion | Should -Be 'v0'
        Set-KgClassifierMetadata Q9001 $trained.ClassifierId staging -AddDontRunOn sabin
        (Get-KgClassifier Q9001 -Environment staging -Promoted).DontRunOn | Should -Be @('sabin')
        $result = Update-KgInferenceSpec staging -Path $SpecFolder -PassThru
        $result.Entries | Should -Be 1
        Get-Content (Join-Path $SpecFolder 'v2/staging.yaml') -Raw | Should -Match 'wandb_registry_version: v0'
        $artifact = @($W.World.Artifacts.Values | Where-Object { $_.Tags -contains 'staging' })
        $artifact.Count | Should -Be 1
        $artifact[0].Metadata | Should -Match '"classifiers_profiles":\["primary"\]'
    }

    It 'explains a 403 on link as a missing registry role' {
        $viewer = $W.StandIn.AddUser('bob', 'viewer', [string[]]@())
        $trained = Invoke-KgTraining Q9001 -Environment staging
        $env:WANDB_API_KEY = $viewer
        try {
            $e = Get-KgError { Publish-KgClassifier Q9001 -ClassifierId $trained.ClassifierId -Environment staging -Version $trained.Version -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'WandBRegistryRoleMissing,*'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.Exception.Message | Should -Match 'Member role'
            $e.Exception.Message | Should -Not -Match $viewer
            $t = Test-KgEnvironment staging
            $t.Succeeded | Should -BeFalse
            $t.ErrorIds | Should -Contain 'WandBRegistryRoleMissing'
            $t.WandB.User | Should -Be 'bob'
            $t.WandB.ProjectAccess | Should -BeTrue
        }
        finally {
            $env:WANDB_API_KEY = $W.Key
        }
    }

    It 'tells a proxy 403 and an expired key apart in Test-KgEnvironment, without printing the key' {
        $ok = Test-KgEnvironment staging
        $ok.Succeeded | Should -BeTrue
        $ok.WandB.RegistryRoles | Should -Be @('member')
        $W.StandIn.FixedReply = [KnowledgeGraph.Tests.WandB.StandInReply]::new(403, 'text/html', '<html><body>Blocked by proxy</body></html>')
        try {
            (Test-KgEnvironment staging).ErrorIds | Should -Contain 'WandBProxyRefused'
            (Get-KgError { Get-KgClassifier -Environment staging }).FullyQualifiedErrorId | Should -BeLike 'WandBProxyRefused,*'
        }
        finally {
            $W.StandIn.FixedReply = $null
        }
        $expired = $W.StandIn.AddUser('cy', 'member', [string[]]@())
        $W.World.ExpiredKeys.Add($expired) | Out-Null
        $env:WANDB_API_KEY = $expired
        try {
            $out = Test-KgEnvironment staging -Verbose -Debug *>&1
            ($out | Where-Object { $_ -is [KnowledgeGraph.Lifecycle.EnvironmentTestResult] }).ErrorIds | Should -Contain 'WandBKeyRejected'
            ($out | Out-String) | Should -Not -Match $expired
        }
        finally {
            $env:WANDB_API_KEY = $W.Key
        }
    }

    It 'imports a W&B registry into the store''s own (-WhatIf first), and the spec stays the same' {
        foreach ($i in 1..5) { $W.World.SeedPromoted("Q$($i + 100)", "abcd234$($i + 1)", 'staging', 'primary', 'f8at8qv5', [string[]]@('sabin'), $false, $true) | Out-Null }
        Update-KgInferenceSpec staging -Path $SpecFolder
        $fromWandB = Get-Content (Join-Path $SpecFolder 'v2/staging.yaml') -Raw
        Import-KgRegistry -From WandB -Environment staging -WhatIf | Should -BeNullOrEmpty
        Set-KgEnvironment staging -Registry Store
        Get-KgClassifier -Environment staging -Promoted | Should -BeNullOrEmpty
        Set-KgEnvironment staging -Registry WandB
        $imported = Import-KgRegistry -From WandB -Environment staging
        $imported.Count | Should -Be 6
        @($imported | Where-Object StandIn).Count | Should -Be 5
        (Import-KgRegistry -From WandB -Environment staging).Changed | Should -Not -Contain $true
        Set-KgEnvironment staging -Registry Store
        (Get-KgClassifierHistory Q101 -Environment staging).Machine | Should -Be ([Environment]::MachineName)
        Update-KgInferenceSpec staging -Path $SpecFolder
        Get-Content (Join-Path $SpecFolder 'v2/staging.yaml') -Raw | Should -BeExactly $fromWandB
    }
}
