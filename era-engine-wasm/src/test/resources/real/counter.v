// A 4-bit counter with synchronous reset, for yosys to read, optimise and write back.
module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk)
    if (rst) q <= 0;
    else q <= q + 1;
endmodule
