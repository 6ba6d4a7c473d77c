// AudioWorklet: hands the microphone's samples to the page in chunks of ~50 ms (mono, the context's rate).
class MienCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunk = new Float32Array(Math.round(sampleRate * 0.05));
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel) {
      let offset = 0;
      while (offset < channel.length) {
        const n = Math.min(channel.length - offset, this.chunk.length - this.filled);
        this.chunk.set(channel.subarray(offset, offset + n), this.filled);
        this.filled += n; offset += n;
        if (this.filled === this.chunk.length) {
          this.port.postMessage({ samples: this.chunk, endTime: currentTime }, [this.chunk.buffer]);
          this.chunk = new Float32Array(this.chunk.length);
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor('mien-capture', MienCapture);
