pub struct GlommioIo;
