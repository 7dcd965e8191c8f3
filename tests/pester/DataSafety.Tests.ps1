BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# Issue 9, section 1: defects that changed or lost data, on the embedded store and on S3.
Describe 'No data changed by accident on the <Kind> store' -ForEach $StoreKinds {
    BeforeAll {
        if (-not $Available) { return }
        $script:TestHome = Initialize-KgTestStore $Kind
        $script:SpecFolder = Split-Path (New-Item -ItemType Directory (Join-Path $TestHome 'classifier_specs/v2') -Force)
    }

    It 'writes no spec file when the piped environments turn out to be none' -Skip:(-not $Available) {
        Get-KgClassifier Q9001 -Environment labs -Promoted | Update-KgInferenceSpec -Path $SpecFolder
        @(Get-ChildItem (Join-Path $SpecFolder 'v2')) | Should -BeNullOrEmpty
        @() | Update-KgInferenceSpec -Path $SpecFolder
        @(Get-ChildItem (Join-Path $SpecFolder 'v2')) | Should -BeNullOrEmpty
        Update-KgInferenceSpec -Path $SpecFolder -Force   # no input at all: every environment
        @(Get-ChildItem (Join-Path $SpecFolder 'v2')).Name | Sort-Object | Should -Be @('labs.yaml', 'production.yaml', 'sandbox.yaml', 'staging.yaml')
    }

    It 'changes each promoted classifier once, in the environments where it is promoted, and names the promoted version for a piped one that is not' -Skip:(-not $Available) {
        foreach ($env in 'sandbox', 'staging') {
            $old = Invoke-KgTraining Q9001 -Environment $env
            $old | Publish-KgClassifier -AddClassifiersProfile primary | Out-Null
            Invoke-KgTraining Q9001 -Environment $env | Out-Null   # a newer version, not promoted: listed too
        }
        @(Get-KgClassifier Q9001).Count | Should -Be 4
        $err = $null
        $changed = Get-KgClassifier Q9001 | Set-KgClassifierMetadata -AddDontRunOn sabin -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
        ($changed.Environment | Sort-Object) | Should -Be @('sandbox', 'staging')
        $err.Count | Should -Be 2
        $err | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'NotPromotedVersion,*'
            $_.Exception.Message | Should -Match 'the promoted version is v0 \(registry v0\)'
        }
        foreach ($env in 'sandbox', 'staging') {
            @(Get-KgClassifierHistory Q9001 -Environment $env | Where-Object Action -eq 'Update').Count | Should -Be 1
        }
        # The same promoted version piped twice is still one change.
        $twice = @(Get-KgClassifier Q9001 -Environment sandbox -Promoted) * 2
        $twice | Set-KgClassifierMetadata -AddDontRunOn gef
        @(Get-KgClassifierHistory Q9001 -Environment sandbox | Where-Object Action -eq 'Update').Count | Should -Be 2
    }

    It 'finishes the spec update of a batch before an error stops it (-ErrorAction Stop)' -Skip:(-not $Available) {
        $caught = $null
        try { Deploy-KgClassifier Q404, Q9001 -Environment labs -AddClassifiersProfile primary -SpecPath $SpecFolder -ErrorAction Stop | Out-Null }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'ConceptNotFound,*'
        Get-Content (Join-Path $SpecFolder 'v2/labs.yaml') -Raw | Should -Match 'wikibase_id: Q9001'
    }

    It 'promotes across environments once, however often the promotion runs' -Skip:(-not $Available) {
        $source = Get-KgClassifier Q9001 -Environment sandbox -Promoted
        $first = Publish-KgClassifier Q9001 $source.ClassifierId production -SourceEnvironment sandbox -Version $source.Version -SpecPath $SpecFolder -Force
        $first.Copied | Should -BeTrue
        $first.Changed | Should -BeTrue
        $first.ClassifiersProfile | Should -Be 'primary'   # carried from sandbox
        $again = Publish-KgClassifier Q9001 $source.ClassifierId production -SourceEnvironment sandbox -Version $source.Version -SpecPath $SpecFolder -Force
        $again.Copied | Should -BeFalse
        $again.Changed | Should -BeFalse
        @(Get-KgClassifier Q9001 -Environment production -AllVersions).Count | Should -Be 1
        @(Get-KgClassifierHistory Q9001 -Environment production).Count | Should -Be 1
        (Get-KgClassifier Q9001 -Environment production -Promoted).DontRunOn | Should -Be @('gef', 'sabin')
        Get-Content (Join-Path $SpecFolder 'v2/production.yaml') -Raw | Should -Match "classifier_id: $($source.ClassifierId)"
    }
}

Describe 'Relative paths and the spec folder' {
    BeforeAll { $script:TestHome = New-KgTestHome }
    AfterEach { Remove-Item Env:KG_SPEC_PATH -ErrorAction SilentlyContinue; $env:KG_CONCEPT_PATH = $ExampleConcepts }

    It 'resolves relative paths in environment variables against the current location' {
        $work = New-Item -ItemType Directory (Join-Path $TestHome 'work') -Force
        New-Item -ItemType Directory (Join-Path $work 'specs/v2') -Force | Out-Null
        New-Item -ItemType Directory (Join-Path $work 'concepts') -Force | Out-Null
        Copy-Item (Join-Path $ExampleConcepts 'Q9001.json') (Join-Path $work 'concepts')
        Push-Location $work
        try {
            $env:KG_SPEC_PATH = './specs'
            $env:KG_CONCEPT_PATH = './concepts'
            (Get-KgConcept Q9001).WikibaseId | Should -Be 'Q9001'
            (Update-KgInferenceSpec sandbox -PassThru).Path | Should -Be (Join-Path $work 'specs/v2/sandbox.yaml')
        }
        finally { Pop-Location }
        Test-Path (Join-Path $work 'specs/v2/sandbox.yaml') | Should -BeTrue
    }

    It "never writes into the module's own checkout by default" {
        $specs = Join-Path $RepoRoot 'classifier_specs/v2'
        $before = Get-ChildItem $specs -File | Get-FileHash | ForEach-Object Hash
        Push-Location (Split-Path $ModuleManifest)
        try {
            $e = Get-KgError { Update-KgInferenceSpec sandbox }
            $e.FullyQualifiedErrorId | Should -BeLike 'SpecFolderNotFound,*'
            $e.Exception.Message | Should -Match 'the module itself is loaded from'
            $e = Get-KgError { Deploy-KgClassifier Q9001 -Environment labs -AddClassifiersProfile primary }
            $e.FullyQualifiedErrorId | Should -BeLike 'SpecFolderNotFound,*'
        }
        finally { Pop-Location }
        (Get-ChildItem $specs -File | Get-FileHash | ForEach-Object Hash) | Should -Be $before
        Get-KgClassifier Q9001 -Environment labs | Should -BeNullOrEmpty   # refused before anything was trained
    }

    It 'says a file given as the spec folder is a file' {
        $file = New-Item -ItemType File (Join-Path $TestHome 'not-a-folder.yaml') -Force
        (Get-KgError { Update-KgInferenceSpec sandbox -Path $file }).Exception.Message | Should -Match 'is a file'
    }

    It 'saves a relative -Store as the folder it means from here' {
        Push-Location $TestHome
        try { Set-KgEnvironment labs -Store ./stores/labs }
        finally { Pop-Location }
        (Get-KgEnvironment labs).Store | Should -Be (Join-Path $TestHome 'stores/labs')
    }
}
