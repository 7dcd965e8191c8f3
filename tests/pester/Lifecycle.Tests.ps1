BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# The same lifecycle (train → publish → metadata → spec → unpublish → copy → deploy) on the embedded store and on S3.
Describe 'The classifier lifecycle on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
        $script:Specs = New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2')
        $script:SpecFolder = Split-Path $Specs
    }

    It 'trains and stores numbered versions' -Skip:(-not $Available) {
        $first = Invoke-KgTraining Q9001 -Environment sandbox
        $first.Stored | Should -BeTrue
        $first.Version | Should -Be 'v0'
        $first.ClassifierName | Should -Be 'KeywordClassifier'
        $first.SpanF1 | Should -BeGreaterThan 0.3
        $first.Metrics.Count | Should -Be 6
        $script:Cid = $first.ClassifierId
        $second = Invoke-KgTraining Q9001 -Environment sandbox
        $second.ClassifierId | Should -Be $Cid
        $second.Version | Should -Be 'v1'
        (Get-KgClassifier Q9001 -Environment sandbox -AllVersions).Version | Should -Be @('v0', 'v1')
        (Get-KgClassifier Q9001 -Environment sandbox).Version | Should -Be 'v1'
    }

    It 'promotes the newest version with a profile, once' -Skip:(-not $Available) {
        $p = Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary
        $p.Version | Should -Be 'v1'
        $p.RegistryVersion | Should -Be 'v0'
        $p.ClassifiersProfile | Should -Be 'primary'
        $p.Changed | Should -BeTrue
        (Publish-KgClassifier Q9001 -ClassifierId $Cid -Environment sandbox -AddClassifiersProfile primary).Changed | Should -BeFalse
        $promoted = Get-KgClassifier -Environment sandbox -Promoted
        $promoted.ClassifierId | Should -Be $Cid
        $promoted.Version | Should -Be 'v1'
        $promoted.Promoted | Should -BeTrue
    }

    It 'sets metadata on the promoted version through the pipeline' -Skip:(-not $Available) {
        Get-KgClassifier -Environment sandbox -Promoted | Set-KgClassifierMetadata -AddDontRunOn sabin
        $after = Get-KgClassifier -Environment sandbox -Promoted | Set-KgClassifierMetadata -AddDontRunOn CCLW -RequireGpu -PassThru
        $after.DontRunOn | Should -Be @('cclw', 'sabin')
        $after.RequireGpu | Should -BeTrue
        $replaced = Set-KgClassifierMetadata Q9001 -ClassifierId $Cid -Environment sandbox -ClearDontRunOn -AddDontRunOn gef -ClearRequireGpu -PassThru
        $replaced.DontRunOn | Should -Be @('gef')
        $replaced.RequireGpu | Should -BeFalse
    }

    It 'writes the spec file, and -WhatIf only shows the diff' -Skip:(-not $Available) {
        $out = Update-KgInferenceSpec sandbox -Path $SpecFolder -WhatIf 6>&1 | Out-String
        Test-Path (Join-Path $Specs 'sandbox.yaml') | Should -BeFalse
        $result = Update-KgInferenceSpec sandbox -Path $SpecFolder -PassThru
        $result.Entries | Should -Be 1
        $result.Changed | Should -BeTrue
        $concept = Get-KgConcept Q9001
        (Get-Content (Join-Path $Specs 'sandbox.yaml') -Raw) | Should -BeExactly ("---`n- wikibase_id: Q9001`n  concept_id: $($concept.Id)`n  classifier_id: $Cid`n  classifiers_profile: primary`n  wandb_registry_version: v0`n  dont_run_on:`n  - gef`n")
        (Update-KgInferenceSpec sandbox -Path $SpecFolder -PassThru).Changed | Should -BeFalse
        Test-Path (Join-Path $Specs 'production.yaml') | Should -BeFalse   # only the requested environment
        Test-KgInferenceSpec (Join-Path $Specs 'sandbox.yaml') -Quiet | Should -BeTrue
    }

    It 'keeps a history of who changed what' -Skip:(-not $Available) {
        $h = Get-KgClassifierHistory Q9001 -Environment sandbox
        $h.Action | Should -Be @('Promote', 'Update', 'Update', 'Update')
        $h.Sequence | Should -Be @(1, 2, 3, 4)
        $h[0].User | Should -Be ([Environment]::UserName)
        $h[0].Machine | Should -Be ([Environment]::MachineName)
        $h[1].Change | Should -Be 'dont_run_on +sabin'
    }

    It 'runs and evaluates the stored classifier' -Skip:(-not $Available) {
        $stored = Get-KgClassifier -Environment sandbox -Promoted
        ($stored | Invoke-KgClassifier -Text 'Flash floods and a storm surge.').Spans.LabelledText | Should -Be @('Flash floods', 'storm surge')
        ($stored | Test-KgClassifier | Where-Object Level -eq 'Span@0.5').F1 | Should -Be (Test-KgClassifier Q9001 | Where-Object Level -eq 'Span@0.5').F1
    }

    It 'demotes, and the spec no longer lists it' -Skip:(-not $Available) {
        $d = Unpublish-KgClassifier Q9001 -Environment sandbox
        $d.Promoted | Should -BeFalse
        $d.ClassifiersProfile | Should -Be 'primary'
        Get-KgClassifier -Environment sandbox -Promoted | Should -BeNullOrEmpty
        Update-KgInferenceSpec sandbox -Path $SpecFolder
        Get-Content (Join-Path $Specs 'sandbox.yaml') -Raw | Should -BeExactly "--- []`n"
    }

    It 'copies a version to another environment with its registry metadata, once' -Skip:(-not $Available) {
        $source = Get-KgClassifier Q9001 -Environment sandbox
        $copy = $source | Copy-KgClassifier -Environment staging -PassThru
        $copy.Environment | Should -Be 'staging'
        $copy.Version | Should -Be 'v0'
        $copy.Promoted | Should -BeFalse
        $copy.DontRunOn | Should -Be @('gef')            # carried from sandbox's registry, applied when promoted
        $copy.ModelSha256 | Should -Be $source.ModelSha256
        ($source | Copy-KgClassifier -Environment staging -PassThru).Version | Should -Be 'v0'   # the same model: no second copy
        @(Get-KgClassifier Q9001 -Environment staging -AllVersions).Count | Should -Be 1
        $p = $copy | Publish-KgClassifier -AddClassifiersProfile experimental
        $p.Environment | Should -Be 'staging'
        $p.ClassifiersProfile | Should -Be 'experimental'
        (Get-KgClassifier Q9001 -Environment staging -Promoted).DontRunOn | Should -Be @('gef')
    }

    It 'deploys a batch, going on past a failing concept, and updates the spec once' -Skip:(-not $Available) {
        $err = $null
        $results = Deploy-KgClassifier Q404, Q9001 -Environment labs -AddClassifiersProfile primary -SpecPath $SpecFolder -ErrorVariable err -ErrorAction SilentlyContinue
        $results.WikibaseId | Should -Be @('Q404', 'Q9001')
        $results[0].Trained | Should -BeFalse
        $results[0].ErrorId | Should -Be 'ConceptNotFound'
        $results[1].Trained | Should -BeTrue
        $results[1].Promoted | Should -BeTrue
        $err.Count | Should -Be 1
        (Get-Content (Join-Path $Specs 'labs.yaml') -Raw) | Should -Match "classifier_id: $Cid"
    }
}
