"""Claim shapes of the QLoRA verifiers on the seeds' sentences, paraphrases and negations."""






SEED_65B = "Adds 4-bit quantization to LoRA, enabling 65B fine-tuning on a single 48GB GPU"
SEED_70B = "This enables fine-tuning 70B models on a single consumer GPU"










def test_importing_the_qlora_verifiers_never_imports_torch():
    import subprocess
    import sys

    code = ("import sys, verifiers; r = verifiers.registry(False); "
            "assert {'lora.qlora_memory', 'lora.qlora_storage'} <= set(r); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
